import { randomUUID } from 'node:crypto';
import { grantRole } from '../../kit/roles/repository.ts';
import { PRODUCTS } from '../subscriptions/products.ts';
import { insertSubscription } from '../subscriptions/repository.ts';
import { tenantStore } from '../subscriptions/service.ts';
import type { TenantService } from '../tenants/service.ts';
import { insertCompany, insertMember } from './repository.ts';
import { kitOf, type PortalDatabase } from './tables.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The README's walk (seed 004): Contoso with a running trial of the suite, its
 * purchaser Dana and a billing administrator Lee, and Microsoft's support staff.
 * They are named by e-mail: a Passport with that address becomes that person at
 * its first sign-in. Only into a store with no company.
 */
export async function seedPortalDemo(db: PortalDatabase, tenants: TenantService): Promise<boolean> {
  const any = await db.selectFrom('companies').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    const contoso = randomUUID();
    await insertCompany(trx, {
      id: contoso,
      name: 'Contoso Pharmaceuticals',
      country: 'US',
      kind: 'customer',
      now,
    });
    const people = [
      { id: randomUUID(), name: 'Dana Buyer', email: 'dana@contoso.example', role: 'purchaser' },
      { id: randomUUID(), name: 'Lee Clerk', email: 'lee@contoso.example', role: 'billing_admin' },
    ];
    for (const person of people) {
      await insertMember(trx, { ...person, companyId: contoso, identity: null, language: 'en', now });
      await grantRole(kitOf(trx), {
        memberId: person.id,
        organizationId: contoso,
        roleKey: person.role,
        grantedBy: null,
      });
    }
    const subscriptionId = randomUUID();
    await insertSubscription(trx, {
      id: subscriptionId,
      companyId: contoso,
      product: 'bpos_standard',
      kind: 'trial',
      licenses: 25,
      orderReference: null,
      startsAt: now,
      endsAt: now + PRODUCTS.bpos_standard.trialDays * DAY_MS,
      createdBy: people[0]!.id,
    });
    await tenants.provisionTenant(tenantStore(trx), {
      subscriptionId,
      companyName: 'Contoso Pharmaceuticals',
      services: PRODUCTS.bpos_standard.services,
      language: 'en',
      contactEmail: 'dana@contoso.example',
    });

    const staff = randomUUID();
    const support = randomUUID();
    await insertCompany(trx, {
      id: staff,
      name: 'Microsoft Online Services Support',
      country: 'US',
      kind: 'staff',
      now,
    });
    await insertMember(trx, {
      id: support,
      companyId: staff,
      identity: null,
      email: 'support@onlineservices.example',
      name: 'Riley Support',
      language: 'en',
      now,
    });
    await grantRole(kitOf(trx), {
      memberId: support,
      organizationId: staff,
      roleKey: 'support',
      grantedBy: null,
    });
  });
  return true;
}
