import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { SharedTables } from '../db/tables.ts';

export type OutgoingMail = { to: string; subject: string; text: string; html?: string };

/** A service's store or transaction; naming Transaction too lets TypeScript infer the schema from either. */
export type StoreWithOutbox<Schema extends SharedTables> = Kysely<Schema> | Transaction<Schema>;

/**
 * A service's store seen as the shared tables only. Kysely's types are invariant
 * in the schema, so a service's wider schema is narrowed here, in one place.
 */
export function sharedTablesOf<Schema extends SharedTables>(
  db: StoreWithOutbox<Schema>,
): Kysely<SharedTables> {
  return db as unknown as Kysely<SharedTables>;
}

/**
 * Queues a mail inside the caller's transaction, so it goes out exactly when the
 * change that caused it commits, and never for a change that rolled back.
 */
export async function enqueueMail<Schema extends SharedTables>(
  tx: StoreWithOutbox<Schema>,
  mail: OutgoingMail,
  now = Date.now(),
): Promise<void> {
  await sharedTablesOf(tx)
    .insertInto('outbox')
    .values({
      id: randomUUID(),
      recipient: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
      created_at: now,
      attempts: 0,
      next_attempt_at: now,
      claimed_until: null,
      sent_at: null,
      gave_up_at: null,
      last_error: null,
    })
    .execute();
}

/**
 * Mail sent or given up over `keptMs` ago. The row (when, to whom, what
 * subject) helps answer "did my mail go out?" for a while; after that it is
 * only personal data.
 */
export async function sweepOutbox<Schema extends SharedTables>(
  db: StoreWithOutbox<Schema>,
  keptMs: number,
  now = Date.now(),
): Promise<void> {
  const before = now - keptMs;
  await sharedTablesOf(db)
    .deleteFrom('outbox')
    .where((eb) => eb.or([eb('sent_at', '<=', before), eb('gave_up_at', '<=', before)]))
    .execute();
}
