import type { Kysely } from 'kysely';
import type { MailConfig } from '../config/mail.ts';
import type { SharedTables } from '../db/tables.ts';
import type { RetrySchedule } from '../queue/retry-schedule.ts';
import { createMailTransport } from './transport.ts';
import { type MailWorkerLog, startMailWorker } from './worker.ts';

/** A service's outbox worker, delivering over SMTP_URL or, unset, to the dev mailbox `npm start` runs. */
export function startMailDelivery<Schema extends SharedTables>(
  db: Kysely<Schema>,
  mail: MailConfig,
  log: MailWorkerLog,
  retrySchedule?: RetrySchedule,
) {
  return startMailWorker({
    db,
    transport: createMailTransport(mail.smtpUrl ?? `smtp://127.0.0.1:${mail.devMailbox.smtpPort}`),
    from: mail.from,
    log,
    retrySchedule,
  });
}
