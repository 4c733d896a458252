import type { Kysely } from 'kysely';
import {
  createMailedLinks,
  createRoleTables,
  createSessionTables,
  insertRoles,
} from '../../relying-party/kit/schema.ts';

// The Customer Portal's tables. 0001 made the outbox, counters and secrets in the
// kit's shape, so only the kit's session, role and mailed-link tables come here.
// The Center's sessions are `admin_sessions`: the kit's `sessions` are Passport's only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await createSessionTables(db);
  await createRoleTables(db);
  await createMailedLinks(db);

  // A customer company, or the staff organization whose support people help them.
  await db.schema
    .createTable('companies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('customer')) // customer | staff
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // A company's people. Known by issuer + subject once they signed in; a person the
  // company named (or the demo data) waits with an e-mail only until their first sign-in.
  await db.schema
    .createTable('members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
    .addColumn('issuer', 'text')
    .addColumn('subject', 'text')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('members_identity', ['issuer', 'subject'])
    .execute();
  await db.schema.createIndex('members_email').on('members').column('email').unique().execute();
  await db.schema.createIndex('members_company').on('members').column('company_id').execute();

  // One subscription per company and product; its service tenant has the same id as subscription_id.
  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // trial | paid
    .addColumn('status', 'text', (c) => c.notNull()) // active | ended
    .addColumn('licenses', 'integer', (c) => c.notNull())
    .addColumn('order_reference', 'text')
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('subscriptions_company_product', ['company_id', 'product'])
    .execute();

  // Who did what: subscriptions started, credentials retrieved (or shown blank), support resets.
  await db.schema
    .createTable('portal_audit')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('company_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text')
    .addColumn('detail', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('portal_audit_subscription')
    .on('portal_audit')
    .columns(['subscription_id', 'at'])
    .execute();

  await insertRoles(db, [
    {
      key: 'purchaser',
      labelKey: 'roles.purchaser',
      rights: ['subscriptions.view', 'subscriptions.manage', 'credentials.get', 'people.manage'],
    },
    {
      key: 'billing_admin',
      labelKey: 'roles.billing_admin',
      rights: ['subscriptions.view', 'subscriptions.manage', 'credentials.get'],
    },
    { key: 'support', labelKey: 'roles.support', rights: ['support.reset_credentials'] },
  ]);
}
