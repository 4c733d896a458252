import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { errors } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { IdpDatabase, IdpTables } from '../../idp/database.ts';
import { IDP_MIGRATIONS } from '../../idp/server.ts';
import { databaseShortLivedStore } from '../../idp/state/database-store.ts';
import { redisShortLivedStore } from '../../idp/state/redis-store.ts';
import type { ShortLivedStore } from '../../idp/state/short-lived-store.ts';
import { connectDatabase } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';
import { REDIS_URL, redisSettings, uniqueKeyPrefix } from '../helpers/redis.ts';

const MINUTE = 60;
const PARALLEL = 20;

/**
 * The one interface every short-lived thing goes through, held to the same
 * promises on each store: SQLite, PostgreSQL, and Redis (always run, whatever
 * the suite's own store).
 */
describe.each(['sqlite', 'postgres', 'redis'] as const)('short-lived state on %s', (kind) => {
  let store: ShortLivedStore;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    if (kind === 'redis') {
      const prefix = uniqueKeyPrefix();
      store = redisShortLivedStore(new Redis(REDIS_URL), prefix);
      cleanups.push(() => store.close(), redisSettings(prefix).forget);
      return;
    }
    const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-state-'));
    const postgres = kind === 'postgres' ? await createPostgresDatabase() : undefined;
    const db: IdpDatabase = connectDatabase<IdpTables>(
      postgres ? { postgresUrl: postgres.url } : { sqliteFile: path.join(dataDir, 'idp.sqlite') },
    ).db;
    await migrateToLatest(db, IDP_MIGRATIONS);
    store = databaseShortLivedStore(db);
    cleanups.push(
      () => db.destroy(),
      async () => postgres?.drop(),
      () => rm(dataDir, { recursive: true, force: true }),
    );
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  async function grantWithTokens(accountId: string, grantId: string) {
    await store.adapter('Grant').upsert(grantId, { accountId, clientId: 'site', jti: grantId }, 10 * MINUTE);
    await store.adapter('AuthorizationCode').upsert(`code-${grantId}`, { accountId, grantId }, MINUTE);
    await store.adapter('AccessToken').upsert(`at-${grantId}`, { accountId, grantId }, 10 * MINUTE);
    await store.adapter('RefreshToken').upsert(`rt-${grantId}`, { accountId, grantId }, 10 * MINUTE);
  }

  test('of many concurrent spends of one code exactly one succeeds, and the reuse revokes what the grant gave', async () => {
    await grantWithTokens('alice', 'grant-race');
    const codes = store.adapter('AuthorizationCode');
    const outcomes = await Promise.allSettled(
      Array.from({ length: PARALLEL }, () => codes.consume('code-grant-race')),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((each) => each.status === 'rejected')) {
      expect(outcome.reason).toBeInstanceOf(errors.InvalidGrant);
    }
    expect(await store.adapter('AccessToken').find('at-grant-race')).toBeUndefined();
    expect(await store.adapter('RefreshToken').find('rt-grant-race')).toBeUndefined();
    expect(await store.adapter('Grant').find('grant-race')).toBeUndefined();
  });

  test('a spent code reads as consumed, and a code never issued cannot be spent', async () => {
    await grantWithTokens('alice', 'grant-once');
    const codes = store.adapter('AuthorizationCode');
    await codes.consume('code-grant-once');
    expect((await codes.find('code-grant-once'))?.consumed).toEqual(expect.any(Number));
    await expect(codes.consume('never-issued')).rejects.toBeInstanceOf(errors.InvalidGrant);
  });

  test('a session is found by its uid and listed for its person', async () => {
    const sessions = store.adapter('Session');
    await sessions.upsert('session-uid', { accountId: 'bob', uid: 'uid-1', loginTs: 1 }, MINUTE);
    expect((await sessions.findByUid('uid-1'))?.loginTs).toBe(1);
    expect(await store.sessionsOf('bob')).toHaveLength(1);
  });

  test("ending a person's sessions keeps only the session asked for and its grant", async () => {
    await grantWithTokens('carol', 'grant-kept');
    await grantWithTokens('carol', 'grant-ended');
    await grantWithTokens('dave', 'grant-other');
    await store.adapter('Session').upsert('carol-here', { accountId: 'carol', loginTs: 1 }, MINUTE);
    await store.adapter('Session').upsert('carol-there', { accountId: 'carol', loginTs: 2 }, MINUTE);
    await store.savePendingStep('set-up:carol', 'carol', { wrongConfirmations: 0 }, Date.now() + 60_000);

    await store.forgetAccount('carol', { sessionId: 'carol-here', grantIds: ['grant-kept'] });

    expect((await store.sessionsOf('carol')).map((session) => session.id)).toEqual(['carol-here']);
    expect((await store.grantsOf('carol')).map((grant) => grant.id)).toEqual(['grant-kept']);
    expect(await store.adapter('RefreshToken').find('rt-grant-kept')).toBeDefined();
    expect(await store.adapter('RefreshToken').find('rt-grant-ended')).toBeUndefined();
    expect(await store.pendingStepsOf('carol')).toEqual([]);
    expect(await store.adapter('RefreshToken').find('rt-grant-other')).toBeDefined();

    await store.forgetAccount('carol');
    expect(await store.sessionsOf('carol')).toEqual([]);
    expect(await store.grantsOf('carol')).toEqual([]);
  });

  test('revoking a grant leaves the interaction that carries its id', async () => {
    await grantWithTokens('erin', 'grant-switch');
    await store.adapter('Interaction').upsert('interaction-1', { grantId: 'grant-switch' }, MINUTE);
    await store.adapter('AccessToken').revokeByGrantId('grant-switch');
    expect(await store.adapter('AccessToken').find('at-grant-switch')).toBeUndefined();
    expect(await store.adapter('Interaction').find('interaction-1')).toBeDefined();
  });

  test('of two concurrent finishes of one pending step exactly one takes it, and only its owner sees it', async () => {
    await store.savePendingStep('reset:frank', 'frank', { answersProvedAt: 1 }, Date.now() + 60_000);
    expect(await store.findPendingStep('reset:frank', 'mallory')).toBeUndefined();
    expect((await store.findPendingStep('reset:frank', 'frank'))?.payload).toEqual({ answersProvedAt: 1 });
    const taken = await Promise.all(
      Array.from({ length: PARALLEL }, () => store.takePendingStep('reset:frank')),
    );
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await store.findPendingStep('reset:frank', 'frank')).toBeUndefined();
  });

  test('concurrent events in one window each see their own count; the next window starts again', async () => {
    const now = Date.now();
    const counts = await Promise.all(
      Array.from({ length: PARALLEL }, () => store.counters.count('login:grace', 60_000, now)),
    );
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 1));
    expect(await store.counters.soFar('login:grace', 60_000, now)).toBe(PARALLEL);
    await store.counters.uncount(['login:grace']);
    const reading = (await store.counters.read(['login:grace', 'login:nobody'])).get('login:grace');
    expect(reading).toEqual({ count: PARALLEL - 1, windowStartedAt: now, lastCountedAt: now });
    expect(await store.counters.count('login:grace', 60_000, now + 60_000)).toBe(1);
    await store.counters.clear('login:grace');
    expect(await store.counters.soFar('login:grace', 60_000, now + 60_000)).toBe(0);
  });

  test('a bot-check proof submitted many times at once is spent once', async () => {
    const expiresAt = Date.now() + 60_000;
    const spent = await Promise.all(
      Array.from({ length: PARALLEL }, () => store.spentProofs.spend('signature-1', expiresAt)),
    );
    expect(spent.filter(Boolean)).toHaveLength(1);
    expect(await store.spentProofs.spend('signature-1', expiresAt)).toBe(false);
  });
});
