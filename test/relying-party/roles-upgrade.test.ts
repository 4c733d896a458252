import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { FileMigrationProvider, Migrator } from 'kysely/migration';
import { afterEach, describe, expect, test } from 'vitest';
import type { RelyingPartyTables } from '../../relying-party/customersource/database.ts';
import { listActiveProfiles } from '../../relying-party/customersource/organizations/repository.ts';
import { RP_MIGRATIONS } from '../../relying-party/customersource/server.ts';
import { rightsOf, rolesOf } from '../../relying-party/kit/roles/repository.ts';
import { kitDatabase } from '../../relying-party/kit/tables.ts';
import { createTestDatabase, STORES, type TestDatabase } from '../helpers/databases.ts';

// An empty folder (test/fixtures/no-migrations): the database starts bare, and the migrator below takes it step by step.
const NO_MIGRATIONS = path.join(import.meta.dirname, '..', 'fixtures', 'no-migrations');

function migrator(db: Kysely<unknown>) {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: RP_MIGRATIONS }),
  });
}

describe.each(STORES)('an extranet database from before roles were data, upgraded (%s)', (store) => {
  let database: TestDatabase<unknown> | undefined;
  afterEach(async () => {
    await database?.cleanup();
  });

  test('its administrators and support staff keep their roles; a removed profile keeps none', async () => {
    database = await createTestDatabase<unknown>(store, NO_MIGRATIONS);
    const db = database.db;
    const before = await migrator(db).migrateTo('0006_profile_language');
    expect(before.error).toBeUndefined();

    const organization = randomUUID();
    const [admin, clerk, support, removed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await sql`insert into organizations (id, name, kind, plan, plan_ends_at, created_at)
      values (${organization}, 'Contoso', 'staff', null, null, 1)`.execute(db);
    for (const [id, name, isAdmin, isSupport, removedAt] of [
      [admin, 'Ada Admin', 1, 0, null],
      [clerk, 'Cy Clerk', 0, 0, null],
      [support, 'Sue Support', 1, 1, null],
      [removed, 'Rex Removed', 1, 1, 5],
    ] as const) {
      await sql`insert into profiles (id, organization_id, name, email, email_key, is_admin, is_support, removed_at, created_at)
        values (${id}, ${organization}, ${name}, ${`${id}@example.test`}, ${`${id}@example.test`}, ${isAdmin}, ${isSupport}, ${removedAt}, 2)`.execute(
        db,
      );
    }

    const after = await migrator(db).migrateToLatest();
    expect(after.error).toBeUndefined();
    expect(after.results?.map((result) => result.migrationName)).toContain('0008_roles_as_data');

    const upgraded = db as Kysely<RelyingPartyTables>;
    const roles = await rolesOf(kitDatabase(upgraded), [admin, clerk, support, removed]);
    expect(roles.get(admin)?.map((role) => role.roleKey)).toEqual(['admin']);
    expect(roles.get(clerk)).toEqual([]);
    expect(roles.get(support)?.map((role) => role.roleKey)).toEqual(['admin', 'support']);
    expect(roles.get(removed)).toEqual([]);
    expect(
      (await rightsOf(kitDatabase(upgraded), support, organization)).map((held) => held.right).sort(),
    ).toEqual(['organizations.support', 'profiles.manage']);
    const listing = await listActiveProfiles(upgraded, organization);
    expect(listing.map(({ name, isAdmin, isSupport }) => ({ name, isAdmin, isSupport }))).toEqual([
      { name: 'Ada Admin', isAdmin: true, isSupport: false },
      { name: 'Cy Clerk', isAdmin: false, isSupport: false },
      { name: 'Sue Support', isAdmin: true, isSupport: true },
    ]);
    // The flags are gone: roles have one home.
    await expect(sql`select is_admin from profiles`.execute(db)).rejects.toThrow();
  });
});
