import type { Kysely } from 'kysely';

// Issue 7: a browser earns the trusted lane for the security key only by typing
// the key there once. A password sign-in alone issues a device id, so without
// this mark anyone holding the password would lock the owner out of their key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('trusted_devices').addColumn('key_proved_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('trusted_devices').dropColumn('key_proved_at').execute();
}
