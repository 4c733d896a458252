import { AsyncLocalStorage } from 'node:async_hooks';
import type { Insertable, Transaction } from 'kysely';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { IdpDatabase, IdpTables, OidcModelTable } from '../database.ts';
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

type ModelRow = Insertable<OidcModelTable> & { kind: string; id: string };
type Lookup = 'id' | 'uid' | 'user_code';

/**
 * The model writes of one provider request, held until it has done its work
 * and sent out together, before its response leaves. A sign-in's resume
 * otherwise writes four rows one by one (its interaction gone, the grant, the
 * code, the session); together they are one statement. Within the request a
 * read sees what it wrote, and anything not a plain write (spending a code,
 * revoking a grant) sends what is held first, so the order of effects stays
 * as oidc-provider wrote them.
 */
class HeldModelWrites {
  readonly db: IdpDatabase;
  /** By kind and id; a destroyed model is held as its destroyed row, without a payload. */
  readonly #rows = new Map<string, { row: ModelRow; payload?: AdapterPayload }>();

  constructor(db: IdpDatabase) {
    this.db = db;
  }

  hold(row: ModelRow, payload?: AdapterPayload): void {
    this.#rows.set(`${row.kind}\0${row.id}`, { row, payload });
  }

  /** What this request wrote: a payload, null for destroyed, undefined for nothing held. */
  heldBy(kind: string, column: Lookup, value: string): AdapterPayload | null | undefined {
    for (const { row, payload } of this.#rows.values()) {
      if (row.kind === kind && row[column] === value) return payload ?? null;
    }
    return undefined;
  }

  isHeld(kind: string, id: string): boolean {
    return this.#rows.has(`${kind}\0${id}`);
  }

  async send(): Promise<void> {
    if (this.#rows.size === 0) return;
    const rows = [...this.#rows.values()].map(({ row }) => row);
    this.#rows.clear();
    await upsertModels(this.db, rows);
  }
}

const heldWrites = new AsyncLocalStorage<HeldModelWrites>();

/**
 * Runs one provider request with its model writes held (see HeldModelWrites),
 * then sends them; rejects if they could not be stored, so the caller answers
 * with an error instead of a response that names what was never kept.
 */
export async function withHeldModelWrites(db: IdpDatabase, request: () => Promise<void>): Promise<void> {
  const writes = new HeldModelWrites(db);
  try {
    await heldWrites.run(writes, request);
  } finally {
    await writes.send();
  }
}

function modelRow(kind: string, id: string, payload: AdapterPayload, expiresIn: number): ModelRow {
  return {
    kind,
    id,
    consumed_at: null,
    payload: JSON.stringify(payload),
    grant_id: payload.grantId ?? null,
    user_code: payload.userCode ?? null,
    uid: payload.uid ?? null,
    account_id: payload.accountId ?? null,
    expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null,
  };
}

/**
 * A destroyed model as a row that no lookup returns (expired, nothing to find
 * it by), so destroying it can go out in the same statement as other writes;
 * the sweep reclaims it like any expired row.
 */
function destroyedRow(kind: string, id: string): ModelRow {
  return {
    kind,
    id,
    consumed_at: null,
    payload: '{}',
    grant_id: null,
    user_code: null,
    uid: null,
    account_id: null,
    expires_at: 0,
  };
}

/** Inserts or replaces models in one statement; a replaced model keeps whether it was spent. */
async function upsertModels(db: IdpDatabase, rows: ModelRow[]): Promise<void> {
  await db
    .insertInto('oidc_models')
    .values(rows)
    .onConflict((conflict) =>
      conflict.columns(['kind', 'id']).doUpdateSet((eb) => ({
        payload: eb.ref('excluded.payload'),
        grant_id: eb.ref('excluded.grant_id'),
        user_code: eb.ref('excluded.user_code'),
        uid: eb.ref('excluded.uid'),
        account_id: eb.ref('excluded.account_id'),
        expires_at: eb.ref('excluded.expires_at'),
      })),
    )
    .execute();
}

class KyselyAdapter implements Adapter {
  readonly #db: IdpDatabase;
  readonly #kind: string;

  constructor(db: IdpDatabase, kind: string) {
    this.#db = db;
    this.#kind = kind;
  }

  /** This request's held writes, if it holds them for this database. */
  get #held(): HeldModelWrites | undefined {
    const writes = heldWrites.getStore();
    return writes?.db === this.#db ? writes : undefined;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const row = modelRow(this.#kind, id, payload, expiresIn);
    const held = this.#held;
    if (held) held.hold(row, payload);
    else await upsertModels(this.#db, [row]);
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
    await this.#held?.send();
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
    const held = this.#held;
    if (held) {
      held.hold(destroyedRow(this.#kind, id));
      return;
    }
    await this.#db.deleteFrom('oidc_models').where('kind', '=', this.#kind).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#held?.send();
    await revokeGrantTokens(this.#db, grantId);
  }

  async #findBy(column: Lookup, value: string): Promise<AdapterPayload | undefined> {
    const held = this.#held?.heldBy(this.#kind, column, value);
    if (held !== undefined) return held ?? undefined;
    const row = await this.#db
      .selectFrom('oidc_models')
      .select(['id', 'payload', 'expires_at', 'consumed_at'])
      .where('kind', '=', this.#kind)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) return undefined;
    // Rewritten or destroyed by this request under another lookup value: the held write stands.
    if (this.#held?.isHeld(this.#kind, row.id)) return undefined;
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
