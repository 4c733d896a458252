import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { IdpDatabase, IdpTables } from '../../idp/database.ts';
import { createAdapterFactory, withHeldModelWrites } from '../../idp/oidc/adapter.ts';
import { IDP_MIGRATIONS } from '../../idp/server.ts';
import { connectDatabase } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import { STORES } from '../helpers/idp.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';

/**
 * A provider request holds its model writes and sends them as one statement at
 * its end: inside it, reads see what it wrote; after it, the store has it all;
 * and a write the request could not keep fails the request.
 */
describe.each(STORES)('model writes held for one request on %s', (store) => {
  let db: IdpDatabase;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (store === 'postgres') {
      const postgres = await createPostgresDatabase();
      db = connectDatabase<IdpTables>({ postgresUrl: postgres.url }).db;
      cleanup = postgres.drop;
    } else {
      const folder = await mkdtemp(path.join(tmpdir(), 'passport-held-'));
      db = connectDatabase<IdpTables>({ sqliteFile: path.join(folder, 'idp.sqlite') }).db;
      cleanup = () => rm(folder, { recursive: true, force: true });
    }
    await migrateToLatest(db, IDP_MIGRATIONS);
  });

  afterAll(async () => {
    await db?.destroy();
    await cleanup?.();
  });

  const storedIds = async (kind: string) =>
    (await db.selectFrom('oidc_models').select('id').where('kind', '=', kind).execute()).map((row) => row.id);

  test('the request reads its own writes, and the store has them once it ends', async () => {
    const sessions = createAdapterFactory(db)('Session');
    const interactions = createAdapterFactory(db)('Interaction');
    await interactions.upsert('started', { uid: 'started-uid', returnTo: '/auth/started' }, 60);

    await withHeldModelWrites(db, async () => {
      await sessions.upsert('s1', { uid: 'u1', accountId: 'a1' }, 60);
      await interactions.destroy('started');
      expect(await sessions.find('s1')).toMatchObject({ accountId: 'a1' });
      expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'a1' });
      expect(await interactions.find('started')).toBeUndefined();
      expect(await interactions.findByUid('started-uid')).toBeUndefined();
      // Nothing has gone out yet: the interaction is still stored, the session not yet.
      expect(await storedIds('Session')).not.toContain('s1');
    });

    expect(await storedIds('Session')).toContain('s1');
    expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'a1' });
    expect(await interactions.find('started')).toBeUndefined();
    expect(await interactions.findByUid('started-uid')).toBeUndefined();
  });

  test('spending a code first sends what the request holds, so the order of effects stays', async () => {
    const codes = createAdapterFactory(db)('AuthorizationCode');
    await withHeldModelWrites(db, async () => {
      await codes.upsert('c1', { grantId: 'g1' }, 60);
      await codes.consume('c1');
      expect(await codes.find('c1')).toMatchObject({ grantId: 'g1', consumed: expect.any(Number) });
      // A second spend is a reuse: refused, and what the grant gave is revoked.
      await expect(codes.consume('c1')).rejects.toMatchObject({ error: 'invalid_grant' });
    });
    expect(await codes.find('c1')).toBeUndefined();
  });

  test('a write that cannot be kept fails the request', async () => {
    const sessions = createAdapterFactory(db)('Session');
    // A payload the store refuses (no text for it), found only when the writes go out.
    const refused = { toJSON: () => undefined } as unknown as Record<string, unknown>;
    await expect(
      withHeldModelWrites(db, async () => {
        await sessions.upsert('kept-not', refused, 60);
      }),
    ).rejects.toThrow();
    expect(await storedIds('Session')).not.toContain('kept-not');
  });
});
