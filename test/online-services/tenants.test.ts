import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminCenterCatalogues } from '../../relying-party/online-services/locales/admin/catalogues.ts';
import {
  centerSignIn,
  signInFirstTime,
  startTestAdministrationCenter,
  type TestAdministrationCenter,
} from '../helpers/admin-center.ts';

const en = adminCenterCatalogues.t('en');

/**
 * What the Customer Portal builds on: provisioning a tenant inside its own
 * transaction, reading the temporary password back, and support's reset.
 */
describe('service tenants', () => {
  let center: TestAdministrationCenter;

  beforeAll(async () => {
    center = await startTestAdministrationCenter();
  });
  afterAll(async () => center?.close());

  test('a tenant gets its services, a service administrator with a temporary password, and nothing in clear', async () => {
    const tenant = await center.provision({ companyName: 'Fabrikam Ferramentas Ltda.' });
    expect(tenant.userName).toBe('admin@fabrikam-ferramentas-ltda.onlineservices.example');
    expect(tenant.temporaryPassword).toMatch(/^[A-HJ-NP-Za-km-z2-9]{14}$/);
    const user = await center.db
      .selectFrom('admin_users')
      .selectAll()
      .where('id', '=', tenant.adminUserId)
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: 'service_admin', is_service_admin: 1, must_change_password: 1 });
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    const services = await center.db
      .selectFrom('tenant_services')
      .select(['service_key', 'enabled'])
      .where('tenant_id', '=', tenant.tenantId)
      .orderBy('service_key')
      .execute();
    expect(services.map((service) => service.service_key)).toEqual([
      'exchange_online',
      'office_communications_online',
      'office_live_meeting',
      'sharepoint_online',
    ]);
    const shown = await center.tenants.findServiceAdministrator(
      center.db,
      (
        await center.db
          .selectFrom('tenants')
          .select('subscription_id')
          .where('id', '=', tenant.tenantId)
          .executeTakeFirstOrThrow()
      ).subscription_id,
    );
    expect(shown).toMatchObject({ userName: tenant.userName, retrievals: 0, firstRetrievedBy: null });
    expect(center.tenants.readTemporaryPassword(shown!.ciphertext!, shown!.adminUserId)).toBe(
      tenant.temporaryPassword,
    );
  });

  test('companies of one name get user names of their own, in any script', async () => {
    const first = await center.provision({ companyName: 'Northwind' });
    const second = await center.provision({ companyName: 'NORTHWIND' });
    expect(first.userName).toBe('admin@northwind.onlineservices.example');
    expect(second.userName).toBe('admin@northwind-2.onlineservices.example');
    const unnamed = await center.provision({ companyName: '株式会社' });
    expect(unnamed.userName).toMatch(/^admin@company(-\d+)?\.onlineservices\.example$/);
  });

  test('a failed provisioning leaves nothing half-written', async () => {
    const tables = [
      'tenants',
      'tenant_services',
      'admin_users',
      'temporary_credentials',
      'admin_audit',
    ] as const;
    const counts = async () =>
      Promise.all(
        tables.map(async (table) =>
          Number(
            (
              await center.db
                .selectFrom(table)
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          ),
        ),
      );
    await center.provision({ subscriptionId: 'subscription-once', companyName: 'Once Only' });
    const before = await counts();
    await expect(
      center.provision({ subscriptionId: 'subscription-once', companyName: 'Twice' }),
    ).rejects.toThrow();
    expect(await counts()).toEqual(before);
  });

  test("support's reset gives a new temporary password, counted from zero, and says so in the audit", async () => {
    const tenant = await center.provision({ companyName: 'Support Reset Co' });
    // The portal counted retrievals and the service administrator changed the password: the portal shows it blank.
    await center.db
      .updateTable('temporary_credentials')
      .set({ retrievals: 3, first_retrieved_by: 'member-1' })
      .where('admin_user_id', '=', tenant.adminUserId)
      .execute();
    const session = await signInFirstTime(
      center,
      tenant.userName,
      tenant.temporaryPassword,
      'Forgotten-pass-1',
    );

    const reset = await center.db.transaction().execute((trx) =>
      center.tenants.resetTemporaryCredentials(trx, {
        adminUserId: tenant.adminUserId,
        by: { kind: 'portal_support', id: 'support-7', name: 'Riley Support' },
      }),
    );
    expect(reset.userName).toBe(tenant.userName);
    expect(reset.temporaryPassword).not.toBe(tenant.temporaryPassword);
    const row = await center.db
      .selectFrom('temporary_credentials')
      .selectAll()
      .where('admin_user_id', '=', tenant.adminUserId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      retrievals: 0,
      first_retrieved_by: null,
      destroyed_at: null,
      destroyed_reason: null,
    });
    expect(center.tenants.readTemporaryPassword(row.ciphertext!, tenant.adminUserId)).toBe(
      reset.temporaryPassword,
    );

    // Signed out, the chosen password gone: only the new temporary one works, for its change.
    expect((await session.request(`${center.url}/`)).headers.get('location')).toBe('/sign-in');
    expect((await centerSignIn(center, tenant.userName, 'Forgotten-pass-1')).response.status).toBe(401);
    const admin = await signInFirstTime(
      center,
      tenant.userName,
      reset.temporaryPassword,
      'Remembered-pass-2',
    );
    await admin.request(`${center.url}/administrator/new`, {
      method: 'POST',
      headers: { origin: center.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        user_name: 'ops',
        display_name: 'Ops',
        contact_email: '',
        new_password: 'Ops-pass-123',
        retype_password: 'Ops-pass-123',
      }).toString(),
    });
    const audit = await (await admin.request(`${center.url}/audit`)).text();
    expect(audit).toContain(en('audit.actors.portal_support', { name: 'Riley Support' }));
    expect(audit).toContain(en('audit.actions.password_reset', { subject: tenant.userName }));
  });
});
