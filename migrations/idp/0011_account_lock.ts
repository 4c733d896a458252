import type { Kysely } from 'kysely';

// Issue 11: an operator can lock an account (admin CLI). While locked_at is set
// no password opens it and no session of it stays alive.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('locked_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('locked_at').execute();
}
