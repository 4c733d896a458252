import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { AdapterPayload } from 'oidc-provider';
import { registerPerson } from '../test/helpers/accounts.ts';
import { HttpSession } from '../test/helpers/http-session.ts';
import { type Store, startTestIdp, type TestIdp } from '../test/helpers/idp.ts';
import { discover, REDIRECT_URI, signIn } from '../test/helpers/oidc-client.ts';
import { REDIS_URL } from '../test/helpers/redis.ts';

const SECRET = 'bench-sessions-client-secret-0123456789-abc';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * What the short-lived store occupies now: database pages, or the memory
 * Redis reports for this IdP's keys (other users of that Redis do not count).
 */
async function storeBytes(idp: TestIdp, store: Store, redis: boolean): Promise<number> {
  if (redis) {
    const client = new Redis(REDIS_URL);
    try {
      let bytes = 0;
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(
          cursor,
          'MATCH',
          `${idp.config.redis!.keyPrefix}*`,
          'COUNT',
          1000,
        );
        const pipeline = client.pipeline();
        for (const key of keys) pipeline.memory('USAGE', key);
        for (const [, usage] of (await pipeline.exec()) ?? []) bytes += Number(usage ?? 0);
        cursor = next;
      } while (cursor !== '0');
      return bytes;
    } finally {
      await client.quit();
    }
  }
  if (store === 'postgres') {
    const { rows } = await sql<{
      bytes: string;
    }>`select pg_total_relation_size('oidc_models') as bytes`.execute(idp.db);
    return Number(rows[0]!.bytes);
  }
  await sql`pragma wal_checkpoint(truncate)`.execute(idp.db);
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(idp.db);
  const size = await sql<{ page_size: number }>`pragma page_size`.execute(idp.db);
  return pages.rows[0]!.page_count * size.rows[0]!.page_size;
}

export type StoredSessionFigures = {
  /** The session oidc-provider hands the store after one real login, as JSON. */
  payloadBytes: number;
  /** Growth of the store per session over `sessions` of them. */
  storeBytesPerSession: number;
  /** Growth of the IdP process's heap per session (after garbage collection). */
  heapBytesPerSession: number;
  sessions: number;
};

/**
 * One real login makes a session; `count` copies of it (new ids) go through
 * the IdP's own adapter into its store and are each read back once, as
 * requests would. Measured in the benchmark's process, which runs the IdP.
 */
export async function measureStoredSessions(options: {
  store: Store;
  redis: boolean;
  count: number;
}): Promise<StoredSessionFigures> {
  const idp = await startTestIdp({
    store: options.store,
    redis: options.redis,
    clients: [{ client_id: 'site', client_secret: SECRET, first_party: true, redirect_uris: [REDIRECT_URI] }],
  });
  try {
    const person = await registerPerson(idp);
    const config = await discover(idp.issuer, 'site', SECRET);
    const browser = new HttpSession();
    await signIn(config, browser, person);
    const sessions = idp.shortLived.adapter('Session');
    const real = (await sessions.find(browser.cookie('idp_session')!)) as AdapterPayload;
    const payloadBytes = Buffer.byteLength(JSON.stringify(real));

    const ids = Array.from({ length: options.count }, () => randomBytes(16).toString('base64url'));
    const storeBefore = await storeBytes(idp, options.store, options.redis);
    const heapBefore = heapAfterGc();
    const batch = 100;
    for (let start = 0; start < ids.length; start += batch) {
      await Promise.all(
        ids
          .slice(start, start + batch)
          .map((id) =>
            sessions.upsert(id, { ...real, jti: id, uid: randomBytes(16).toString('base64url') }, 3600),
          ),
      );
    }
    for (let start = 0; start < ids.length; start += batch) {
      await Promise.all(ids.slice(start, start + batch).map((id) => sessions.find(id)));
    }
    const heapAfter = heapAfterGc();
    const storeAfter = await storeBytes(idp, options.store, options.redis);
    return {
      payloadBytes,
      storeBytesPerSession: (storeAfter - storeBefore) / options.count,
      heapBytesPerSession: (heapAfter - heapBefore) / options.count,
      sessions: options.count,
    };
  } finally {
    await idp.close();
  }
}
