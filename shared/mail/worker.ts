import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import type { SharedTables } from '../db/tables.ts';
import { startPolling } from '../queue/polling.ts';
import { DEFAULT_RETRY_SCHEDULE, type RetrySchedule, retryDelayMs } from '../queue/retry-schedule.ts';
import { sharedTablesOf } from './outbox.ts';

const BATCH_SIZE = 20;
const CLAIM_MS = 60_000;
// Well inside the claim: a send still running when its claim lapses could be
// picked up by another worker and delivered twice.
const SEND_DEADLINE_MS = CLAIM_MS / 2;
/** The longest a mailed link lives (an association link, 72 hours): later mail only carries dead links. */
const MAIL_GIVE_UP_AFTER_MS = 72 * 60 * 60 * 1000;

export type MailWorkerLog = Record<'info' | 'warn' | 'error', (details: object, message?: string) => void>;

export type MailWorkerOptions<Schema extends SharedTables> = {
  db: Kysely<Schema>;
  transport: Transporter;
  from: string;
  log: MailWorkerLog;
  pollMs?: number;
  /** Tests shorten it; the default retries at most a minute apart for the first ten minutes. */
  retrySchedule?: RetrySchedule;
  /** A mail still failing this long after it was queued gets no more tries. */
  giveUpAfterMs?: number;
};

export type MailWorker = {
  /** Sends what is due now; resolves with the number of mails this worker sent. */
  deliverDue(): Promise<number>;
  /** Call after committing queued mail so it leaves at once instead of at the next poll. */
  wake(): void;
  /** Stops polling and waits for the delivery in flight. */
  stop(): Promise<void>;
};

type DueMail = Pick<
  SharedTables['outbox'],
  'id' | 'recipient' | 'subject' | 'text_body' | 'html_body' | 'attempts' | 'created_at'
>;

/**
 * Delivers the outbox over SMTP. Any number of workers may share one store: a
 * mail is sent only by the worker whose conditional claim on it succeeded, and a
 * failed send is retried with backoff, never dropped.
 */
export function startMailWorker<Schema extends SharedTables>(options: MailWorkerOptions<Schema>): MailWorker {
  const { transport, from, log } = options;
  const db = sharedTablesOf(options.db);
  const retrySchedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
  const giveUpAfterMs = options.giveUpAfterMs ?? MAIL_GIVE_UP_AFTER_MS;
  // The outbox id as Message-ID lets a receiver recognise the rare resend after a
  // crash between the SMTP reply and the database update.
  const messageIdDomain = /@([^\s>]+)/.exec(from)?.[1] ?? 'localhost';

  async function deliverOnce(): Promise<number> {
    const now = Date.now();
    const due = await db
      .selectFrom('outbox')
      .select(['id', 'recipient', 'subject', 'text_body', 'html_body', 'attempts', 'created_at'])
      .where('sent_at', 'is', null)
      .where('gave_up_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(BATCH_SIZE)
      .execute();
    let sent = 0;
    for (const mail of due) {
      if (!(await claim(mail.id))) continue;
      if (await send(mail)) sent += 1;
    }
    return sent;
  }

  /** True when this worker won the mail; the same conditions as the pick keep a lost race harmless. */
  async function claim(id: string): Promise<boolean> {
    const now = Date.now();
    const result = await db
      .updateTable('outbox')
      .set({ claimed_until: now + CLAIM_MS })
      .where('id', '=', id)
      .where('sent_at', 'is', null)
      .where('gave_up_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async function send(mail: DueMail): Promise<boolean> {
    try {
      await transport.sendMail({
        from,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.text_body,
        html: mail.html_body ?? undefined,
        messageId: `<${mail.id}@${messageIdDomain}>`,
        signal: AbortSignal.timeout(SEND_DEADLINE_MS),
      });
    } catch (error) {
      await recordFailure(mail, error);
      return false;
    }
    // A delivered body is only a live link waiting to be read from the store: keep
    // the row (when, to whom, what subject) and drop the body.
    await db
      .updateTable('outbox')
      .set({ sent_at: Date.now(), claimed_until: null, text_body: '', html_body: null })
      .where('id', '=', mail.id)
      .where('sent_at', 'is', null)
      .execute();
    // Bodies carry single-use tokens and recipients are personal data: logs get the id only.
    log.info({ mailId: mail.id }, 'mail sent');
    return true;
  }

  async function recordFailure(mail: DueMail, error: unknown): Promise<void> {
    const attempts = mail.attempts + 1;
    const now = Date.now();
    const reason = error instanceof Error ? error.message : String(error);
    if (now - mail.created_at >= giveUpAfterMs) {
      // The body's links have expired: nothing worth keeping or sending is left in it.
      await db
        .updateTable('outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: reason,
          gave_up_at: now,
          claimed_until: null,
          text_body: '',
          html_body: null,
        }))
        .where('id', '=', mail.id)
        .where('sent_at', 'is', null)
        .execute();
      log.error({ mailId: mail.id, attempts, reason }, 'mail given up: not sent while its links lived');
      return;
    }
    const nextAttemptAt = now + retryDelayMs(retrySchedule, attempts, now - mail.created_at);
    await db
      .updateTable('outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: reason,
        next_attempt_at: nextAttemptAt,
        claimed_until: null,
      }))
      .where('id', '=', mail.id)
      .where('sent_at', 'is', null)
      .execute();
    log.warn(
      { mailId: mail.id, attempts, nextAttemptAt: new Date(nextAttemptAt).toISOString(), reason },
      'mail not sent, will retry',
    );
  }

  const polling = startPolling(deliverOnce, {
    pollMs: options.pollMs ?? 1000,
    onError: (error) => log.error({ err: error }, 'mail delivery failed'),
  });
  return { deliverDue: polling.runDue, wake: polling.wake, stop: polling.stop };
}
