import { type Kysely, sql } from 'kysely';

// Frozen: site migrations call these, so a table a migration made once is made
// the same way for ever. A later change to a kit table is a new function here
// and a new migration in every site, never an edit of these.
//
// Times are epoch milliseconds in bigint columns and flags are 0/1 integers, so
// the same SQL runs on SQLite and PostgreSQL.

/** Everything a new site's first migration needs from the kit (CustomerSource predates it). */
export async function createKitTables(db: Kysely<unknown>): Promise<void> {
  await createSharedTables(db);
  await createSessionTables(db);
  await createRoleTables(db);
  await createMailedLinks(db);
}

/** The outbox, fixed-window counters and first-start secrets every service keeps. */
export async function createSharedTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('sent_at', 'bigint')
    .addColumn('gave_up_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['sent_at', 'next_attempt_at']).execute();
  await db.schema
    .createTable('throttle_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

/** Server sessions and the logout tokens already acted on. */
export async function createSessionTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('idp_sid', 'text')
    .addColumn('id_token', 'text', (c) => c.notNull())
    .addColumn('authenticated_at', 'bigint', (c) => c.notNull())
    .addColumn('acr', 'text')
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_identity').on('sessions').columns(['issuer', 'subject']).execute();
  await db.schema.createIndex('sessions_sid').on('sessions').column('idp_sid').execute();
  await db.schema
    .createTable('logout_tokens_seen')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

/** For a sessions table made before the kit: the claims the kit's visitor carries. */
export async function addSessionClaims(db: Kysely<unknown>): Promise<void> {
  for (const column of ['acr', 'email', 'name']) {
    await db.schema.alterTable('sessions').addColumn(column, 'text').execute();
  }
}

/** Roles as data: the roles a site knows, their rights, and who holds which where. */
export async function createRoleTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('roles')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('label_key', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('role_rights')
    .addColumn('role_key', 'text', (c) => c.notNull().references('roles.key'))
    .addColumn('right', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_rights_pk', ['role_key', 'right'])
    .execute();
  await db.schema
    .createTable('member_roles')
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('role_key', 'text', (c) => c.notNull().references('roles.key'))
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('granted_by', 'text')
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_roles_pk', ['member_id', 'role_key', 'scope'])
    .execute();
  await db.schema
    .createIndex('member_roles_organization')
    .on('member_roles')
    .columns(['organization_id', 'role_key'])
    .execute();
}

/** Mailed single-use links, whatever they are for. */
export async function createMailedLinks(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mailed_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('bound_issuer', 'text')
    .addColumn('bound_subject', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('mailed_links_target')
    .on('mailed_links')
    .columns(['purpose', 'target_id'])
    .execute();
}

/** A site's roles and their rights, as its migration declares them. */
export async function insertRoles(
  db: Kysely<unknown>,
  roles: { key: string; labelKey: string; rights: string[] }[],
): Promise<void> {
  for (const role of roles) {
    await sql`insert into roles (key, label_key) values (${role.key}, ${role.labelKey})`.execute(db);
    for (const right of role.rights) {
      await sql`insert into role_rights (role_key, "right") values (${role.key}, ${right})`.execute(db);
    }
  }
}
