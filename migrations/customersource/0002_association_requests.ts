import type { Kysely } from 'kysely';

// Issue 7: an association request is queued alike for every address typed and
// resolved after the answer, so the answer never depends on whether the address has profiles.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('association_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('bound_issuer', 'text', (c) => c.notNull())
    .addColumn('bound_subject', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('association_requests_created')
    .on('association_requests')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('association_requests').execute();
}
