import { type Kysely, sql } from 'kysely';

// Issue 7: recovery that is not a takeover path.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Set by "this was not me": until then neither way of recovery works.
  await db.schema.alterTable('accounts').addColumn('recovery_locked_until', 'bigint').execute();
  // When the owner of the address last stood behind the secret answer (activation); a
  // change made by whoever held the password leaves it empty until a mailed reset drops it.
  await db.schema.alterTable('accounts').addColumn('secret_answer_confirmed_at', 'bigint').execute();
  await sql`update accounts set secret_answer_confirmed_at = created_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('secret_answer_confirmed_at').execute();
  await db.schema.alterTable('accounts').dropColumn('recovery_locked_until').execute();
}
