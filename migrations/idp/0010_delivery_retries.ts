import type { Kysely } from 'kysely';

// Issue 11: a back-channel logout was sent once, while the person signed out,
// and lost if the site was down then. Each one is now a row that a worker
// delivers with retries. The token itself is signed at each try, so nothing
// that would end a session is kept at rest.
// Mail that could not go out while its links lived is given up (and swept later)
// rather than retried for ever.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('gave_up_at', 'bigint').execute();
  await db.schema
    .createTable('backchannel_logouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('sid', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('gave_up_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('backchannel_logouts_due')
    .on('backchannel_logouts')
    .columns(['delivered_at', 'gave_up_at', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('backchannel_logouts').execute();
  await db.schema.alterTable('outbox').dropColumn('gave_up_at').execute();
}
