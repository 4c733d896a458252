import type { Kysely } from 'kysely';

// Issue 8: mail to a profile goes out in its person's language. Null until someone
// chooses (the administrator who adds the profile, then its owner at association): English.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('profiles').addColumn('language', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('profiles').dropColumn('language').execute();
}
