import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SecretTables } from './tables.ts';

/**
 * A random secret generated at first start and kept in the store, so every copy
 * of a service shares it. Insert-if-absent then read back: two copies starting
 * together agree on one value.
 */
export async function storedSecret<Schema extends SecretTables>(
  store: Kysely<Schema>,
  name: string,
  bytes = 32,
): Promise<string> {
  const db = store as unknown as Kysely<SecretTables>;
  await db
    .insertInto('secrets')
    .values({ name, value: randomBytes(bytes).toString('base64url'), created_at: Date.now() })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('secrets')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.value;
}
