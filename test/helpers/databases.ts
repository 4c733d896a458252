import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { connectDatabase } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import { createPostgresDatabase } from './postgres.ts';

export type Store = 'sqlite' | 'postgres';
export const STORES: Store[] = ['sqlite', 'postgres'];

export type TestDatabase<Schema> = {
  db: Kysely<Schema>;
  store: Store;
  /** Closes the connections and deletes the database. */
  cleanup(): Promise<void>;
};

/**
 * A fresh database of the given store, migrated with `migrationsFolder`, that
 * nothing else uses: a temporary SQLite file, or a uniquely named PostgreSQL
 * database (`TEST_POSTGRES_URL` names the server, default the local one).
 */
export async function createTestDatabase<Schema>(
  store: Store,
  migrationsFolder: string,
): Promise<TestDatabase<Schema>> {
  const { db, removeData } = await openEmpty<Schema>(store);
  const cleanup = async () => {
    await db.destroy();
    await removeData();
  };
  try {
    await migrateToLatest(db, migrationsFolder);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { db, store, cleanup };
}

async function openEmpty<Schema>(store: Store) {
  if (store === 'postgres') {
    const postgres = await createPostgresDatabase();
    const { db } = connectDatabase<Schema>({ postgresUrl: postgres.url });
    return { db, removeData: () => postgres.drop() };
  }
  const folder = await mkdtemp(path.join(tmpdir(), 'passport-db-'));
  const { db } = connectDatabase<Schema>({ sqliteFile: path.join(folder, 'test.sqlite') });
  return { db, removeData: () => rm(folder, { recursive: true, force: true }) };
}
