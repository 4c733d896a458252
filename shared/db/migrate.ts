import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { FileMigrationProvider, Migrator } from 'kysely/migration';

/** Applies every numbered migration in `folder` that the database has not seen yet. */
export async function migrateToLatest<Schema>(db: Kysely<Schema>, folder: string): Promise<string[]> {
  const migrator = new Migrator({
    // The migrator works on any schema; migrations type their own tables.
    // biome-ignore lint/suspicious/noExplicitAny: kysely's Migrator is declared over Kysely<any>.
    db: db as unknown as Kysely<any>,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}
