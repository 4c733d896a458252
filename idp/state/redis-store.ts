import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import { redisCounters } from '../../shared/state/counters.ts';
import type { Redis } from '../../shared/state/redis.ts';
import { redisSpentProofs } from '../../shared/state/spent-proofs.ts';
import { GRANTABLE_KINDS, type ShortLivedStore, type StoredArtifact } from './short-lived-store.ts';

const PENDING_KIND = 'PendingSecurityKey';

/**
 * Short-lived state in Redis, laid out as oidc-provider's documented Redis
 * adapter does it: each model a hash `<kind>:<id>` that Redis expires with it,
 * plus lookups by uid and user code, and sets that name what to remove
 * together: `grant:<id>` (what a grant issued) and `account:<id>` (what ends
 * with a person's sessions). Every key starts with `prefix`, so several IdPs
 * (or test runs) can share one Redis.
 */
export function redisShortLivedStore(redis: Redis, prefix: string): ShortLivedStore {
  const modelKey = (kind: string, id: string) => `${prefix}${kind}:${id}`;
  const grantKey = (grantId: string) => `${prefix}grant:${grantId}`;
  const accountKey = (accountId: string) => `${prefix}account:${accountId}`;

  /** Kind and id back from a model key named in an index set. */
  function modelOf(key: string): { kind: string; id: string } | undefined {
    if (!key.startsWith(prefix)) return undefined;
    const name = key.slice(prefix.length);
    const colon = name.indexOf(':');
    return colon > 0 ? { kind: name.slice(0, colon), id: name.slice(colon + 1) } : undefined;
  }

  async function readModels(keys: readonly string[]) {
    const rows = await Promise.all(
      keys.map(async (key) => {
        const [payload, ttl] = await Promise.all([redis.hget(key, 'payload'), redis.pttl(key)]);
        return { key, payload, ttl };
      }),
    );
    const now = Date.now();
    return rows.flatMap(({ key, payload, ttl }) => {
      const model = modelOf(key);
      if (!model || payload === null) return [];
      const expiresAt = ttl > 0 ? now + ttl : null;
      return [{ key, ...model, payload: JSON.parse(payload) as AdapterPayload, expiresAt }];
    });
  }

  async function liveOfKind(kind: string, accountId: string): Promise<StoredArtifact[]> {
    const keys = (await redis.smembers(accountKey(accountId))).filter((key) => modelOf(key)?.kind === kind);
    return (await readModels(keys)).map(({ id, payload, expiresAt }) => ({ id, payload, expiresAt }));
  }

  async function revokeGrants(grantIds: readonly string[]) {
    await Promise.all(
      grantIds.map((grantId) =>
        redis.eval(REVOKE_GRANT, 2, grantKey(grantId), modelKey('Grant', grantId)).then(() => undefined),
      ),
    );
  }

  return {
    adapter: (kind) =>
      new RedisAdapter(redis, kind, { modelKey, grantKey, accountKey, prefix }, revokeGrants),
    sessionsOf: (accountId) => liveOfKind('Session', accountId),
    grantsOf: (accountId) => liveOfKind('Grant', accountId),

    async forgetAccount(accountId, keep) {
      const index = accountKey(accountId);
      const keys = await redis.smembers(index);
      const kept = new Set(keep?.grantIds ?? []);
      const models = await readModels(keys);
      const live = new Set(models.map((model) => model.key));
      const doomed = models
        .filter(
          ({ kind, id, payload }) =>
            !(kind === 'Session' && id === keep?.sessionId) &&
            !(kind === 'Grant' && kept.has(id)) &&
            !(typeof payload.grantId === 'string' && kept.has(payload.grantId)),
        )
        .map((model) => model.key);
      // Names of models that expired already go from the index too.
      const gone = keys.filter((key) => !live.has(key));
      if (doomed.length + gone.length === 0) return;
      const removal = redis.multi();
      if (doomed.length > 0) removal.del(...doomed);
      await removal.srem(index, ...doomed, ...gone).exec();
    },

    revokeGrants,

    async savePendingStep(id, accountId, payload, expiresAt) {
      const key = modelKey(PENDING_KIND, id);
      await redis
        .multi()
        .hset(key, { payload: JSON.stringify(payload), accountId, expiresAt: String(expiresAt) })
        .pexpireat(key, expiresAt)
        .sadd(accountKey(accountId), key)
        .exec();
      await extendIndex(redis, accountKey(accountId), Math.ceil((expiresAt - Date.now()) / 1000));
    },

    async findPendingStep(id, accountId, now = Date.now()) {
      const [payload, owner, expiresAt] = await redis.hmget(
        modelKey(PENDING_KIND, id),
        'payload',
        'accountId',
        'expiresAt',
      );
      if (payload == null || owner !== accountId || Number(expiresAt) <= now) return undefined;
      return { payload: JSON.parse(payload) as unknown, expiresAt: Number(expiresAt) };
    },

    async takePendingStep(id) {
      return (await redis.del(modelKey(PENDING_KIND, id))) === 1;
    },

    async pendingStepsOf(accountId) {
      const steps = await liveOfKind(PENDING_KIND, accountId);
      return steps.map((step) => ({
        payload: step.payload as unknown,
        expiresAt: step.expiresAt ?? Date.now(),
      }));
    },

    counters: redisCounters(redis, prefix),
    spentProofs: redisSpentProofs(redis, prefix),

    // Redis expires every entry and index itself.
    sweep: async () => {},
    async answers() {
      await redis.ping();
    },
    async close() {
      await redis.quit();
    },
  };
}

// What a grant issued, and the grant itself, in one step: a token added while
// the revocation runs cannot slip between reading the set and deleting it.
const REVOKE_GRANT = `
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 0
`;

// The spend of a code or refresh token: 1 for the first spend, 0 for a reuse,
// -1 when there is nothing to spend. One script, so two redemptions at the
// same moment cannot both read "not consumed".
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])
`;

/** An index set lives as long as the longest-lived model it names (NX sets a first expiry, GT only extends it). */
async function extendIndex(redis: Redis, key: string, seconds: number) {
  if (seconds <= 0) return;
  await redis.multi().expire(key, seconds, 'NX').expire(key, seconds, 'GT').exec();
}

type Keys = {
  prefix: string;
  modelKey(kind: string, id: string): string;
  grantKey(grantId: string): string;
  accountKey(accountId: string): string;
};

class RedisAdapter implements Adapter {
  readonly #redis: Redis;
  readonly #kind: string;
  readonly #keys: Keys;
  readonly #revokeGrants: (grantIds: readonly string[]) => Promise<void>;

  constructor(
    redis: Redis,
    kind: string,
    keys: Keys,
    revokeGrants: (grantIds: readonly string[]) => Promise<void>,
  ) {
    this.#redis = redis;
    this.#kind = kind;
    this.#keys = keys;
    this.#revokeGrants = revokeGrants;
  }

  #key(id: string) {
    return this.#keys.modelKey(this.#kind, id);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.#key(id);
    const { prefix } = this.#keys;
    // A re-save keeps `consumed`, as the database's upsert does.
    const write = this.#redis.multi().hset(key, 'payload', JSON.stringify(payload));
    if (expiresIn) write.expire(key, expiresIn);
    if (payload.uid) write.set(`${prefix}uid:${payload.uid}`, id, 'EX', expiresIn || 14 * 86_400);
    if (payload.userCode) write.set(`${prefix}userCode:${payload.userCode}`, id, 'EX', expiresIn || 3600);
    const indexes: string[] = [];
    if (payload.grantId && GRANTABLE_KINDS.has(this.#kind))
      indexes.push(this.#keys.grantKey(payload.grantId));
    if (payload.accountId) indexes.push(this.#keys.accountKey(payload.accountId));
    for (const index of indexes) write.sadd(index, key);
    await write.exec();
    await Promise.all(indexes.map((index) => extendIndex(this.#redis, index, expiresIn)));
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const [payload, consumed] = await this.#redis.hmget(this.#key(id), 'payload', 'consumed');
    if (payload == null) return undefined;
    const parsed = JSON.parse(payload) as AdapterPayload;
    return consumed == null ? parsed : { ...parsed, consumed: Number(consumed) };
  }

  async findByUid(uid: string) {
    const id = await this.#redis.get(`${this.#keys.prefix}uid:${uid}`);
    return id === null ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string) {
    const id = await this.#redis.get(`${this.#keys.prefix}userCode:${userCode}`);
    return id === null ? undefined : this.find(id);
  }

  /**
   * One script checks and marks the spend (see CONSUME): whoever finds it
   * spent is a reuse, and (RFC 6749, 4.1.2) everything the grant gave is revoked.
   */
  async consume(id: string): Promise<void> {
    const key = this.#key(id);
    const spent = Number(await this.#redis.eval(CONSUME, 1, key, Math.floor(Date.now() / 1000)));
    if (spent === 1) return;
    if (spent === 0) {
      const payload = await this.#redis.hget(key, 'payload');
      const grantId = payload === null ? undefined : (JSON.parse(payload) as AdapterPayload).grantId;
      if (grantId) await this.#revokeGrants([grantId]);
    }
    throw new errors.InvalidGrant('already used');
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  // Only the grant's tokens and codes are in its set: an Interaction carries
  // the grant id too, and must outlive it when a person switches accounts.
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#redis.eval(REVOKE_GRANT, 1, this.#keys.grantKey(grantId));
  }
}
