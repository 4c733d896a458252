import type { Transaction } from 'kysely';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { IdpDatabase, IdpTables } from '../database.ts';
import { GRANTABLE_KINDS as GRANTABLE } from '../state/short-lived-store.ts';

const GRANTABLE_KINDS = [...GRANTABLE];

/**
 * One table holds oidc-provider's models kept in the database (registered
 * clients always; sessions, codes, tokens, grants and interactions when there
 * is no Redis), so any copy of the IdP can finish a flow that another began.
 */
export function createAdapterFactory(db: IdpDatabase) {
  return (kind: string): Adapter => new KyselyAdapter(db, kind);
}

class KyselyAdapter implements Adapter {
  readonly #db: IdpDatabase;
  readonly #kind: string;

  constructor(db: IdpDatabase, kind: string) {
    this.#db = db;
    this.#kind = kind;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const row = {
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      user_code: payload.userCode ?? null,
      uid: payload.uid ?? null,
      account_id: payload.accountId ?? null,
      expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null,
    };
    await this.#db
      .insertInto('oidc_models')
      .values({ kind: this.#kind, id, consumed_at: null, ...row })
      .onConflict((conflict) => conflict.columns(['kind', 'id']).doUpdateSet(row))
      .execute();
  }

  find(id: string) {
    return this.#findBy('id', id);
  }

  findByUid(uid: string) {
    return this.#findBy('uid', uid);
  }

  findByUserCode(userCode: string) {
    return this.#findBy('user_code', userCode);
  }

  /**
   * oidc-provider reads `consumed` after find() and only then calls consume(), so
   * two concurrent redemptions would both pass its check. The spend is therefore
   * one conditional write: whoever finds the row already spent is a reuse, and
   * (RFC 6749, 4.1.2) everything the grant gave is revoked.
   */
  async consume(id: string): Promise<void> {
    const spent = await this.#db
      .updateTable('oidc_models')
      .set({ consumed_at: Date.now() })
      .where('kind', '=', this.#kind)
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (spent.numUpdatedRows > 0n) return;
    const row = await this.#db
      .selectFrom('oidc_models')
      .select('grant_id')
      .where('kind', '=', this.#kind)
      .where('id', '=', id)
      .executeTakeFirst();
    if (row?.grant_id) await revokeGrants(this.#db, [row.grant_id]);
    throw new errors.InvalidGrant('already used');
  }

  async destroy(id: string): Promise<void> {
    await this.#db.deleteFrom('oidc_models').where('kind', '=', this.#kind).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await revokeGrantTokens(this.#db, grantId);
  }

  async #findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const row = await this.#db
      .selectFrom('oidc_models')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('kind', '=', this.#kind)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
  }
}

// Only the grant's tokens and codes: an Interaction carries the grant id too,
// and must outlive it when a person switches accounts mid-sign-in.
async function revokeGrantTokens(db: IdpDatabase, grantId: string): Promise<void> {
  await db
    .deleteFrom('oidc_models')
    .where('grant_id', '=', grantId)
    .where('kind', 'in', GRANTABLE_KINDS)
    .execute();
}

/** Grants and everything issued under them, in one statement, as oidc-provider revokes on a reuse. */
export async function revokeGrants(
  db: IdpDatabase | Transaction<IdpTables>,
  grantIds: string[],
): Promise<void> {
  if (grantIds.length === 0) return;
  await db
    .deleteFrom('oidc_models')
    .where((eb) =>
      eb.or([
        eb.and([eb('grant_id', 'in', grantIds), eb('kind', 'in', GRANTABLE_KINDS)]),
        eb.and([eb('kind', '=', 'Grant'), eb('id', 'in', grantIds)]),
      ]),
    )
    .execute();
}

/** Expired artifacts are unreadable already; this only reclaims their space. */
export async function sweepExpiredModels(db: IdpDatabase, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('oidc_models').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
