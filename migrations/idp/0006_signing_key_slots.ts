import type { Kysely } from 'kysely';

// Issue 7: each rotation period has one key per algorithm. The unique index is
// the lock: copies starting together insert-if-absent, and all read back one key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('slot', 'bigint').execute();
  await db.schema
    .createIndex('signing_keys_alg_slot')
    .on('signing_keys')
    .columns(['alg', 'slot'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('signing_keys_alg_slot').execute();
  await db.schema.alterTable('signing_keys').dropColumn('slot').execute();
}
