import type { Kysely } from 'kysely';

// Issue 11: mail that could not go out while its links lived is given up (and
// swept later) rather than retried for ever.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('gave_up_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('gave_up_at').execute();
}
