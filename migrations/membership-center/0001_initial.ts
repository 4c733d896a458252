import type { Kysely } from 'kysely';
import { createKitTables, insertRoles } from '../../relying-party/kit/schema.ts';

/**
 * The Partner Membership Center (seed 003): individuals known by the Passport
 * they first used, organizations with their locations, join requests and the
 * audit of every change of rights, roles, membership or enrolment. Who may do
 * what is the kit's roles tables: rights per role, held organization-wide or
 * for one location.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createKitTables(db);
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('locations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('locations_organization').on('locations').column('organization_id').execute();
  await db.schema
    .createTable('individuals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // The Passport first used: issuer + subject, never the e-mail (it may change at Passport).
    // A demo individual waits unclaimed (issuer '') for the first Passport of its e-mail.
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id'))
    .addColumn('location_id', 'text', (c) => c.references('locations.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('individuals_identity', ['issuer', 'subject'])
    .execute();
  await db.schema
    .createIndex('individuals_organization')
    .on('individuals')
    .column('organization_id')
    .execute();
  await db.schema
    .createTable('join_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('individual_id', 'text', (c) => c.notNull().references('individuals.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('join_requests_organization')
    .on('join_requests')
    .columns(['organization_id', 'state'])
    .execute();
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('detail', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_events_organization')
    .on('audit_events')
    .columns(['organization_id', 'at'])
    .execute();
  await insertRoles(db, [
    {
      key: 'global_admin',
      labelKey: 'roles.global_admin',
      rights: ['admins.manage', 'contacts.manage', 'joins.decide', 'primary.assign', 'audit.read'],
    },
    { key: 'location_admin', labelKey: 'roles.location_admin', rights: ['contacts.manage', 'joins.decide'] },
    { key: 'primary_contact', labelKey: 'roles.primary_contact', rights: [] },
    { key: 'billing_contact', labelKey: 'roles.billing_contact', rights: [] },
    { key: 'technical_contact', labelKey: 'roles.technical_contact', rights: [] },
    { key: 'marketing_contact', labelKey: 'roles.marketing_contact', rights: [] },
  ]);
}
