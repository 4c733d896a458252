import type { Kysely } from 'kysely';

// Issue 9: account services list every site of the network a person has used,
// first-party sites included (they never ask for consent, so consents cannot tell).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('site_uses')
    .addColumn('account_id', 'text', (column) => column.notNull())
    .addColumn('client_id', 'text', (column) => column.notNull())
    .addColumn('first_used_at', 'bigint', (column) => column.notNull())
    .addColumn('last_used_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('site_uses_pk', ['account_id', 'client_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('site_uses').execute();
}
