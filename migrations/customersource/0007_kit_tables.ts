import type { Kysely } from 'kysely';
import { addSessionClaims, createMailedLinks, createRoleTables } from '../../relying-party/kit/schema.ts';

// Issue 9: CustomerSource stands on the relying-site kit; its sessions carry the
// claims the kit's visitor holds, and it gets the kit's role and link tables.
export async function up(db: Kysely<unknown>): Promise<void> {
  await addSessionClaims(db);
  await createRoleTables(db);
  await createMailedLinks(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mailed_links').execute();
  await db.schema.dropTable('member_roles').execute();
  await db.schema.dropTable('role_rights').execute();
  await db.schema.dropTable('roles').execute();
  for (const column of ['name', 'email', 'acr']) {
    await db.schema.alterTable('sessions').dropColumn(column).execute();
  }
}
