import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import type { IdpTables } from '../../idp/database.ts';
import { IDP_MIGRATIONS } from '../../idp/server.ts';
import * as languages from '../../migrations/idp/0012_languages.ts';
import { connectDatabase } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import { STORES } from '../helpers/idp.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';

describe.each(STORES)('the languages migration on %s', (store) => {
  const cleanups: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  async function database(): Promise<Kysely<IdpTables>> {
    const postgres = store === 'postgres' ? await createPostgresDatabase() : undefined;
    const { db } = connectDatabase<IdpTables>(
      postgres ? { postgresUrl: postgres.url } : { sqliteFile: ':memory:' },
    );
    cleanups.push(async () => {
      await db.destroy();
      await postgres?.drop();
    });
    return db;
  }

  test('listed questions stored as English words become ids; questions people wrote stay as written', async () => {
    const db = await database();
    await migrateToLatest(db, IDP_MIGRATIONS);
    // The shape before this migration, holding accounts made back then.
    await languages.down(db as unknown as Kysely<unknown>);
    const account = (id: string, question: string, security: string[] | null) =>
      sql`insert into accounts (id, email, email_key, password_hash, secret_question, secret_answer_hash,
            first_name, last_name, country, postal_code, created_at, updated_at, security_questions)
          values (${id}, ${`${id}@example.test`}, ${`${id}@example.test`}, 'h', ${question}, 'h',
            'Ada', 'Lovelace', 'GB', 'SW1A 1AA', 1, 1, ${security ? JSON.stringify(security) : null})`.execute(
        db,
      );
    await account('listed', "Mother's birthplace", [
      'Name of first pet',
      'Favourite ship?',
      'Favourite teacher',
    ]);
    await account('own', 'Favourite ship?', null);

    await languages.up(db as unknown as Kysely<unknown>);

    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'secret_question', 'security_questions', 'language'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      {
        id: 'listed',
        secret_question: 'mothers_birthplace',
        security_questions: JSON.stringify(['first_pet', 'Favourite ship?', 'favourite_teacher']),
        language: 'en',
      },
      { id: 'own', secret_question: 'Favourite ship?', security_questions: null, language: 'en' },
    ]);
  });
});
