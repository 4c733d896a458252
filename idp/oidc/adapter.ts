import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { IdpDatabase } from '../database.ts';

/** The kinds revoked with their grant, as in oidc-provider's own adapter. */
const GRANTABLE_KINDS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
];

/**
 * One table holds every oidc-provider model (sessions, codes, tokens, grants,
 * interactions, registered clients), so any copy of the IdP can finish a flow
 * that another copy began.
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

  async consume(id: string): Promise<void> {
    await this.#db
      .updateTable('oidc_models')
      .set({ consumed_at: Date.now() })
      .where('kind', '=', this.#kind)
      .where('id', '=', id)
      .execute();
  }

  async destroy(id: string): Promise<void> {
    await this.#db.deleteFrom('oidc_models').where('kind', '=', this.#kind).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // Only the grant's tokens and codes: an Interaction carries the grant id too,
    // and must outlive it when a person switches accounts mid-sign-in.
    await this.#db
      .deleteFrom('oidc_models')
      .where('grant_id', '=', grantId)
      .where('kind', 'in', GRANTABLE_KINDS)
      .execute();
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

/** Expired artifacts are unreadable already; this only reclaims their space. */
export async function sweepExpiredModels(db: IdpDatabase, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('oidc_models').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
