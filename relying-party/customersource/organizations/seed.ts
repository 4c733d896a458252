import { randomUUID } from 'node:crypto';
import type { OrganizationKind, RelyingPartyDatabase, ServicePlan } from '../database.ts';
import { planEndsAtInDays } from './plan.ts';
import { insertProfile } from './repository.ts';

type DemoOrganization = {
  name: string;
  kind: OrganizationKind;
  plan: ServicePlan | null;
  /** The plan's last day, counted from today. */
  lastPlanDay: number | null;
  profiles: { name: string; email: string; isAdmin: boolean; isSupport?: boolean }[];
};

/** The people the README walks a newcomer through; any Passport can be linked to them by mail. */
export const DEMO_ORGANIZATIONS: DemoOrganization[] = [
  {
    name: 'Contoso Pharmaceuticals',
    kind: 'customer',
    plan: 'support',
    lastPlanDay: 365,
    profiles: [
      { name: 'Dana Buyer', email: 'dana@contoso.example', isAdmin: true },
      { name: 'Lee Clerk', email: 'lee@contoso.example', isAdmin: false },
    ],
  },
  {
    name: 'Fabrikam Tools',
    kind: 'customer',
    plan: 'service',
    lastPlanDay: -30,
    profiles: [{ name: 'Sam Owner', email: 'sam@fabrikam.example', isAdmin: true }],
  },
  {
    name: 'Northwind Partners',
    kind: 'partner',
    plan: null,
    lastPlanDay: null,
    profiles: [{ name: 'Pat Partner', email: 'pat@northwind.example', isAdmin: true }],
  },
  {
    name: 'CustomerSource Support',
    kind: 'staff',
    plan: null,
    lastPlanDay: null,
    profiles: [
      { name: 'Riley Support', email: 'support@customersource.example', isAdmin: true, isSupport: true },
    ],
  },
];

const DAY_MS = 24 * 60 * 60 * 1000;

const DEMO_RESOURCES: { category: string; title: string; summary: string; daysAgo: number }[] = [
  {
    category: 'Product updates',
    title: 'Service pack 2 for Financials',
    summary: 'Fixes for year-end closing and the bank reconciliation report.',
    daysAgo: 3,
  },
  {
    category: 'Product updates',
    title: 'Tax table update for the new year',
    summary: 'Payroll tax tables for the coming calendar year, with installation notes.',
    daysAgo: 20,
  },
  {
    category: 'Documentation',
    title: 'Installation guide',
    summary: 'Planning, installing and upgrading, step by step.',
    daysAgo: 40,
  },
  {
    category: 'Documentation',
    title: 'System requirements',
    summary: 'Supported operating systems, databases and hardware.',
    daysAgo: 60,
  },
  {
    category: 'Training',
    title: 'Introduction to General Ledger (e-learning)',
    summary: 'A two-hour self-paced course on accounts, journals and periods.',
    daysAgo: 10,
  },
  {
    category: 'Training',
    title: 'Inventory and order processing (classroom)',
    summary: 'A two-day course with hands-on exercises; dates and locations inside.',
    daysAgo: 30,
  },
  {
    category: 'Newsletters',
    title: 'CustomerSource newsletter: this month',
    summary: 'New hot fixes, upcoming training and tips from the support team.',
    daysAgo: 5,
  },
  {
    category: 'Newsletters',
    title: 'CustomerSource newsletter: last month',
    summary: 'Year-end checklist and answers to the most asked support questions.',
    daysAgo: 35,
  },
];

/**
 * Demo data for a first start (`npm start`): four organizations (a customer
 * with a current plan, one whose plan ended, a partner, the staff) and a small
 * catalogue. Only on an empty organizations table, so it never touches real data.
 */
export async function seedDemoData(db: RelyingPartyDatabase, now = Date.now()): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
    if (existing) return false;
    for (const demo of DEMO_ORGANIZATIONS) {
      const organizationId = randomUUID();
      await tx
        .insertInto('organizations')
        .values({
          id: organizationId,
          name: demo.name,
          kind: demo.kind,
          plan: demo.plan,
          plan_ends_at: demo.lastPlanDay === null ? null : planEndsAtInDays(demo.lastPlanDay, now),
          created_at: now,
        })
        .execute();
      for (const profile of demo.profiles) {
        await insertProfile(tx, { organizationId, ...profile }, now);
      }
    }
    await tx
      .insertInto('resources')
      .values(
        DEMO_RESOURCES.map((resource) => ({
          id: randomUUID(),
          category: resource.category,
          title: resource.title,
          summary: resource.summary,
          published_at: now - resource.daysAgo * DAY_MS,
        })),
      )
      .execute();
    return true;
  });
}
