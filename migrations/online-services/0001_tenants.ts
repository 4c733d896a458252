import type { Kysely } from 'kysely';

// Online Services' first migration: the tables every service keeps (outbox, counters,
// first-start secrets, in the kit's exact shape, so the portal's migrations add only
// the kit's session, role and mailed-link tables), then the service tenants and the
// Administration Center's own credential store, sessions and audit.
//
// Times are epoch milliseconds in bigint columns and flags are 0/1 integers, so
// the same SQL runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
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

  // One service tenant per subscription (a product family), made when it starts.
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().unique())
    .addColumn('company_name', 'text', (c) => c.notNull())
    // The tenant's own user names end in @<domain>, so they never collide across companies.
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('contact_email', 'text')
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tenant_services')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('service_key', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('tenant_services_pk', ['tenant_id', 'service_key'])
    .execute();

  await db.schema
    .createTable('admin_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('user_name', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    // Where notices to this person go (repeated failed sign-ins); the user name is no mailbox.
    .addColumn('contact_email', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_service_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('role', 'text', (c) => c.notNull()) // service_admin | admin | user
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('password_changed_at', 'bigint')
    .addColumn('last_sign_in_at', 'bigint')
    .execute();
  await db.schema.createIndex('admin_users_tenant').on('admin_users').column('tenant_id').execute();

  // A temporary password, encrypted so the portal can show it again, until it is changed.
  await db.schema
    .createTable('temporary_credentials')
    .addColumn('admin_user_id', 'text', (c) => c.primaryKey().references('admin_users.id'))
    .addColumn('ciphertext', 'text')
    .addColumn('retrievals', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_retrieved_by', 'text')
    .addColumn('destroyed_at', 'bigint')
    .addColumn('destroyed_reason', 'text') // changed | exhausted | support_reset
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('admin_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('admin_user_id', 'text', (c) => c.notNull().references('admin_users.id'))
    // change_password: only the forced password change is open; full: the Center.
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('admin_sessions_user').on('admin_sessions').column('admin_user_id').execute();

  // OWASP device cookies for the sign-in guard: a browser that signed in to an account.
  await db.schema
    .createTable('admin_trusted_devices')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('admin_user_id', 'text', (c) => c.notNull().references('admin_users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('admin_audit')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('actor_kind', 'text', (c) => c.notNull()) // center | portal_support | system
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('admin_audit_tenant').on('admin_audit').columns(['tenant_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'admin_audit',
    'admin_trusted_devices',
    'admin_sessions',
    'temporary_credentials',
    'admin_users',
    'tenant_services',
    'tenants',
    'secrets',
    'throttle_counters',
    'outbox',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
