import { randomBytes } from 'node:crypto';
import type { IdpDatabase } from '../database.ts';

/**
 * A random secret generated at first start and kept in the store, so every copy
 * of the IdP shares it. Insert-if-absent then read back: two copies starting
 * together agree on one value.
 */
export async function storedSecret(db: IdpDatabase, name: string, bytes = 32): Promise<string> {
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
