import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { IdpDatabase } from '../database.ts';

const ALGORITHMS = ['RS256', 'ES256'] as const;

/**
 * Signing keys live in the store. A key older than the rotation period gets a
 * successor, and is retired (unpublished) only after a second period, so tokens
 * it signed stay verifiable while they can still be in use.
 */
export async function loadSigningKeys(
  db: IdpDatabase,
  rotationSeconds: number,
  now = Date.now(),
): Promise<JWK[]> {
  const rotationMs = rotationSeconds * 1000;
  await db
    .updateTable('signing_keys')
    .set({ retired_at: now })
    .where('retired_at', 'is', null)
    .where('created_at', '<=', now - 2 * rotationMs)
    .execute();

  let keys = await activeKeys(db);
  const stale = ALGORITHMS.filter((alg) => {
    const newest = keys.find((key) => key.alg === alg);
    return !newest || newest.created_at <= now - rotationMs;
  });
  if (stale.length > 0) {
    const fresh = await Promise.all(stale.map((alg) => generateSigningKey(alg, now)));
    await db.insertInto('signing_keys').values(fresh).execute();
    keys = await activeKeys(db);
  }
  // oidc-provider signs with the first key of an algorithm: the newest.
  return keys.map((key) => JSON.parse(key.private_jwk) as JWK);
}

function activeKeys(db: IdpDatabase) {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('kid')
    .execute();
}

async function generateSigningKey(alg: (typeof ALGORITHMS)[number], now: number) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, private_jwk: JSON.stringify(jwk), created_at: now, retired_at: null };
}
