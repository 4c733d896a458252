import type { Kysely } from 'kysely';

// Issue 3: recovery, security key, account services, brute-force defence, activity.
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [column, type] of [
    ['alternate_email', 'text'],
    ['alternate_email_verified_at', 'bigint'],
    ['street', 'text'],
    ['city', 'text'],
    ['region', 'text'],
    ['security_key_hash', 'text'],
    ['security_questions', 'text'],
    ['security_answer_hashes', 'text'],
    ['security_key_set_at', 'bigint'],
    ['password_changed_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('accounts').addColumn(column, type).execute();
  }

  // Lets every session, grant and token of one person be found (and ended) at once.
  await db.schema.alterTable('oidc_models').addColumn('account_id', 'text').execute();
  await db.schema.createIndex('oidc_models_account').on('oidc_models').column('account_id').execute();

  await db.schema
    .createTable('throttle_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('throttle_counters_updated')
    .on('throttle_counters')
    .column('updated_at')
    .execute();

  await db.schema
    .createTable('activity')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('success', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('detail', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('activity_account_at').on('activity').columns(['account_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('activity').execute();
  await db.schema.dropTable('throttle_counters').execute();
  await db.schema.dropIndex('oidc_models_account').execute();
  await db.schema.alterTable('oidc_models').dropColumn('account_id').execute();
  for (const column of [
    'password_changed_at',
    'security_key_set_at',
    'security_answer_hashes',
    'security_questions',
    'security_key_hash',
    'region',
    'city',
    'street',
    'alternate_email_verified_at',
    'alternate_email',
  ]) {
    await db.schema.alterTable('accounts').dropColumn(column).execute();
  }
}
