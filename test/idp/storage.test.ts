import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { IdpDatabase, IdpTables } from '../../idp/database.ts';
import { createAdapterFactory, sweepExpiredModels } from '../../idp/oidc/adapter.ts';
import { loadSigningKeys } from '../../idp/oidc/signing-keys.ts';
import { IDP_MIGRATIONS } from '../../idp/server.ts';
import { connectDatabase } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import { storedSecret } from '../../shared/db/stored-secret.ts';
import { STORES } from '../helpers/idp.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';

const DAY = 86_400;

describe.each(STORES)('IdP storage on %s', (store) => {
  let db: IdpDatabase;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (store === 'postgres') {
      const postgres = await createPostgresDatabase();
      db = connectDatabase<IdpTables>({ postgresUrl: postgres.url }).db;
      cleanup = postgres.drop;
    } else {
      const folder = await mkdtemp(path.join(tmpdir(), 'passport-storage-'));
      db = connectDatabase<IdpTables>({ sqliteFile: path.join(folder, 'idp.sqlite') }).db;
      cleanup = () => rm(folder, { recursive: true, force: true });
    }
    await migrateToLatest(db, IDP_MIGRATIONS);
  });

  afterAll(async () => {
    await db?.destroy();
    await cleanup?.();
  });

  test('migrations are idempotent', async () => {
    expect(await migrateToLatest(db, IDP_MIGRATIONS)).toEqual([]);
  });

  test('the adapter stores, finds by id, uid and user code, and overwrites on upsert', async () => {
    const adapter = createAdapterFactory(db)('Interaction');
    const payload: AdapterPayload = {
      uid: 'uid-1',
      userCode: 'ABCD-EFGH',
      grantId: 'g-1',
      kind: 'Interaction',
    };
    await adapter.upsert('one', payload, 60);
    expect(await adapter.find('one')).toEqual(payload);
    expect(await adapter.findByUid('uid-1')).toEqual(payload);
    expect(await adapter.findByUserCode('ABCD-EFGH')).toEqual(payload);
    await adapter.upsert('one', { ...payload, accountId: 'a-1' }, 60);
    expect((await adapter.find('one'))?.accountId).toBe('a-1');
    // Kinds do not see each other's ids.
    expect(await createAdapterFactory(db)('Session').find('one')).toBeUndefined();
  });

  test('consume marks the artifact consumed; destroy removes it', async () => {
    const adapter = createAdapterFactory(db)('AuthorizationCode');
    await adapter.upsert('code-1', { grantId: 'g-2' }, 60);
    await adapter.consume('code-1');
    const consumed = await adapter.find('code-1');
    expect(typeof consumed?.consumed).toBe('number');
    await adapter.destroy('code-1');
    expect(await adapter.find('code-1')).toBeUndefined();
  });

  test("revokeByGrantId removes that grant's tokens and codes, and nothing else", async () => {
    const factory = createAdapterFactory(db);
    await factory('AccessToken').upsert('at-1', { grantId: 'g-3' }, 60);
    await factory('RefreshToken').upsert('rt-1', { grantId: 'g-3' }, 60);
    await factory('AuthorizationCode').upsert('code-3', { grantId: 'g-3' }, 60);
    await factory('RefreshToken').upsert('rt-2', { grantId: 'g-4' }, 60);
    await factory('Interaction').upsert('int-3', { grantId: 'g-3' }, 60);
    await factory('AccessToken').revokeByGrantId('g-3');
    expect(await factory('AccessToken').find('at-1')).toBeUndefined();
    expect(await factory('RefreshToken').find('rt-1')).toBeUndefined();
    expect(await factory('AuthorizationCode').find('code-3')).toBeUndefined();
    expect(await factory('RefreshToken').find('rt-2')).toBeDefined();
    // An interaction in progress survives the grant of the session it replaces.
    expect(await factory('Interaction').find('int-3')).toBeDefined();
  });

  test('expired artifacts are never returned and the sweep deletes them', async () => {
    const adapter = createAdapterFactory(db)('Session');
    await adapter.upsert('old', { uid: 'old-uid' }, 60);
    await db
      .updateTable('oidc_models')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', 'old')
      .execute();
    expect(await adapter.find('old')).toBeUndefined();
    expect(await adapter.findByUid('old-uid')).toBeUndefined();
    expect(await sweepExpiredModels(db)).toBeGreaterThanOrEqual(1);
    const left = await db.selectFrom('oidc_models').select('id').where('id', '=', 'old').execute();
    expect(left).toEqual([]);
  });

  test('signing keys: one per period, published a period before it signs and a period after', async () => {
    const period = 90 * DAY * 1000;
    const start = (Math.floor(Date.now() / period) + 10) * period + 1000;
    const kids = (keys: { kid?: string }[]) => keys.map((key) => key.kid);

    const first = await loadSigningKeys(db, 90 * DAY, start);
    // This period's key of each algorithm comes first (it signs), then the next period's.
    expect(first.map((key) => key.alg)).toEqual(['ES256', 'RS256', 'ES256', 'RS256']);
    expect(await loadSigningKeys(db, 90 * DAY, start + 1000)).toEqual(first);

    const rotated = await loadSigningKeys(db, 90 * DAY, start + period);
    expect(kids(rotated.slice(0, 2))).toEqual(kids(first.slice(2, 4)));
    expect(kids(rotated.slice(4, 6))).toEqual(kids(first.slice(0, 2)));
    expect(rotated).toHaveLength(6);

    const later = await loadSigningKeys(db, 90 * DAY, start + 2 * period);
    expect(kids(later)).not.toEqual(expect.arrayContaining(kids(first.slice(0, 2))));
    expect(kids(later.slice(4, 6))).toEqual(kids(first.slice(2, 4)));
  });

  test('a stored secret is created once and then always the same', async () => {
    const [a, b] = await Promise.all([storedSecret(db, 'test_secret'), storedSecret(db, 'test_secret')]);
    expect(a).toBe(b);
    expect(await storedSecret(db, 'test_secret')).toBe(a);
    expect(a.length).toBeGreaterThanOrEqual(43);
  });
});
