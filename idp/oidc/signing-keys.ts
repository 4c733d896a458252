import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { IdpDatabase } from '../database.ts';

const ALGORITHMS = ['ES256', 'RS256'] as const;

/**
 * Signing keys live in the store, one per algorithm and rotation period (slot).
 * A key is published a whole period before it signs and a whole period after,
 * so sites that cache the JWKS know it before the first token and tokens it
 * signed stay verifiable. Slots follow the clock, not the start of a process,
 * so every copy works out the same set; the unique (alg, slot) index lets
 * copies create a missing key together and still read back one key.
 */
export async function loadSigningKeys(
  db: IdpDatabase,
  rotationSeconds: number,
  now = Date.now(),
): Promise<JWK[]> {
  const period = rotationSeconds * 1000;
  const current = Math.floor(now / period);
  // This period's keys first: oidc-provider signs with the first key of an algorithm.
  const order = [current, current + 1, current - 1];

  let keys = await publishedKeys(db, order, now - 2 * period);
  const missing = ALGORITHMS.flatMap((alg) =>
    [current, current + 1]
      .filter((slot) => !keys.some((key) => key.alg === alg && key.slot === slot))
      .map((slot) => ({ alg, slot })),
  );
  if (missing.length > 0) {
    const fresh = await Promise.all(missing.map(({ alg, slot }) => generateSigningKey(alg, slot, now)));
    await db
      .insertInto('signing_keys')
      .values(fresh)
      .onConflict((conflict) => conflict.columns(['alg', 'slot']).doNothing())
      .execute();
    keys = await publishedKeys(db, order, now - 2 * period);
  }
  // A key no longer published signs nothing and verifies nothing: its private half goes.
  await db
    .deleteFrom('signing_keys')
    .where('slot', '<', current - 1)
    .execute();

  const rank = (slot: number | null) => (slot === null ? order.length : order.indexOf(slot));
  return keys
    .sort((a, b) => rank(a.slot) - rank(b.slot) || a.alg.localeCompare(b.alg) || a.kid.localeCompare(b.kid))
    .map((key) => JSON.parse(key.private_jwk) as JWK);
}

/** Keys of the given slots, and keys made before slots existed while they may still verify. */
function publishedKeys(db: IdpDatabase, slots: number[], legacySince: number) {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'slot', 'private_jwk'])
    .where((eb) =>
      eb.or([
        eb('slot', 'in', slots),
        eb.and([eb('slot', 'is', null), eb('retired_at', 'is', null), eb('created_at', '>', legacySince)]),
      ]),
    )
    .execute();
}

async function generateSigningKey(alg: (typeof ALGORITHMS)[number], slot: number, now: number) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, slot, private_jwk: JSON.stringify(jwk), created_at: now, retired_at: null };
}

export type SigningKeyListing = {
  kid: string;
  alg: string;
  /** signing: signs now; next: published, signs from the next period; previous: verifies only. */
  state: 'signing' | 'next' | 'previous' | 'legacy';
  createdAt: number;
};

/** The keys the JWKS publishes, as loadSigningKeys sees them at `now`. */
export async function listSigningKeys(
  db: IdpDatabase,
  rotationSeconds: number,
  now = Date.now(),
): Promise<SigningKeyListing[]> {
  const current = Math.floor(now / (rotationSeconds * 1000));
  const states = new Map([
    [current, 'signing'],
    [current + 1, 'next'],
    [current - 1, 'previous'],
  ] as const);
  const rows = await db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'slot', 'created_at'])
    .orderBy('slot', 'desc')
    .orderBy('alg')
    .execute();
  return rows.flatMap((row) => {
    const state = row.slot === null ? 'legacy' : states.get(Number(row.slot));
    return state ? [{ kid: row.kid, alg: row.alg, state, createdAt: Number(row.created_at) }] : [];
  });
}

/**
 * Rotation now rather than at the period's end: the next key (published a
 * period ago, so every site's cached JWKS already has it) starts signing, the
 * signing key stays published to verify what it signed, and a fresh next key
 * is made. The previous key, which signs nothing, goes. Running copies pick
 * the change up at their next key check. One transaction: a copy reading
 * meanwhile sees the old set or the new one.
 */
export async function rotateSigningKeysNow(
  db: IdpDatabase,
  rotationSeconds: number,
  now = Date.now(),
): Promise<SigningKeyListing[]> {
  await loadSigningKeys(db, rotationSeconds, now);
  const current = Math.floor(now / (rotationSeconds * 1000));
  const fresh = await Promise.all(ALGORITHMS.map((alg) => generateSigningKey(alg, current + 1, now)));
  await db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('signing_keys')
      .where('slot', '=', current - 1)
      .execute();
    for (const [from, to] of [
      [current, current - 1],
      [current + 1, current],
    ] as const) {
      await tx.updateTable('signing_keys').set({ slot: to }).where('slot', '=', from).execute();
    }
    await tx.insertInto('signing_keys').values(fresh).execute();
  });
  return listSigningKeys(db, rotationSeconds, now);
}
