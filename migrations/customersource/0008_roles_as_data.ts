import { type Kysely, sql } from 'kysely';
import { insertRoles } from '../../relying-party/kit/schema.ts';

// Issue 9: an administrator or support person is a row in the kit's member_roles,
// not a flag on the profile. Removed profiles had no say any more, so only active
// ones carry their flags over. The member is the profile; its organization the profile's.
export async function up(db: Kysely<unknown>): Promise<void> {
  await insertRoles(db, [
    { key: 'admin', labelKey: 'roles.admin', rights: ['profiles.manage'] },
    { key: 'support', labelKey: 'roles.support', rights: ['organizations.support'] },
  ]);
  for (const [role, flag] of [
    ['admin', 'is_admin'],
    ['support', 'is_support'],
  ] as const) {
    await sql`
      insert into member_roles (member_id, organization_id, role_key, scope, granted_by, granted_at)
      select id, organization_id, ${role}, '', null, created_at
      from profiles where ${sql.ref(flag)} = 1 and removed_at is null`.execute(db);
  }
  await db.schema.alterTable('profiles').dropColumn('is_admin').execute();
  await db.schema.alterTable('profiles').dropColumn('is_support').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('profiles')
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('profiles')
    .addColumn('is_support', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  for (const [role, flag] of [
    ['admin', 'is_admin'],
    ['support', 'is_support'],
  ] as const) {
    await sql`update profiles set ${sql.ref(flag)} = 1
      where id in (select member_id from member_roles where role_key = ${role})`.execute(db);
  }
  await sql`delete from member_roles where role_key in ('admin', 'support')`.execute(db);
  await sql`delete from role_rights where role_key in ('admin', 'support')`.execute(db);
  await sql`delete from roles where key in ('admin', 'support')`.execute(db);
}
