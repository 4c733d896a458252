import type { Kysely } from 'kysely';

// Issue 7: the browsers an account signed in with, each known by a random
// device id the server issued (only its SHA-256 is kept), so the brute-force
// guard's trusted lane and the sign-in page's account list rest on the server.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trusted_devices')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trusted_devices_account').on('trusted_devices').column('account_id').execute();
  await db.schema
    .createIndex('trusted_devices_last_used')
    .on('trusted_devices')
    .column('last_used_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('trusted_devices').execute();
}
