import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { CenterTables } from '../../relying-party/membership-center/tables.ts';
import { registerPerson, type TestPerson } from './accounts.ts';
import { followThroughPassport } from './extranet-flow.ts';
import { HttpSession } from './http-session.ts';
import type { TestIdp } from './idp.ts';

export type RunningCenter = { url: string; db: unknown };

/** One person's browser at the Center: a Passport, and the forms they send (from the Center's own pages). */
export type CenterUser = {
  person: TestPerson;
  browser: HttpSession;
  get(path: string): Promise<Response>;
  post(path: string, form: Record<string, string>): Promise<Response>;
};

export function centerDb(center: RunningCenter): Kysely<CenterTables> {
  return center.db as Kysely<CenterTables>;
}

export async function signInToCenter(center: RunningCenter, person: TestPerson, browser = new HttpSession()) {
  const flow = await followThroughPassport(browser, `${center.url}/auth/sign-in?return=/`, person);
  const user: CenterUser = {
    person,
    browser,
    get: (path) => browser.request(`${center.url}${path}`),
    post: (path, form) => browser.request(`${center.url}${path}`, { form, headers: { origin: center.url } }),
  };
  return { user, flow };
}

export const PROFILE = { name: 'Ada Partner', phone: '+55 11 5555-0101', country: 'BR' };

/** A new Passport, signed in at the Center, with an Individual Profile completed. */
export async function newIndividual(
  idp: TestIdp,
  center: RunningCenter,
  profile: Partial<typeof PROFILE & { email: string }> = {},
  headers: Record<string, string> = {},
): Promise<CenterUser> {
  const person = await registerPerson(idp);
  const { user } = await signInToCenter(center, person);
  const created = await user.browser.request(`${center.url}/profile/new`, {
    form: { ...PROFILE, email: person.email, ...profile },
    headers: { origin: center.url, ...headers },
  });
  expect(created.status).toBe(303);
  return user;
}

export async function enrol(user: CenterUser, locations = ['São Paulo', 'Seattle']) {
  const enrolled = await user.post('/enrol', {
    name: `Org ${user.person.email}`,
    address: 'Rua Augusta 1, São Paulo',
    location_1: locations[0] ?? '',
    location_2: locations[1] ?? '',
    location_3: locations[2] ?? '',
  });
  expect(enrolled.status).toBe(303);
}

export async function individualOf(center: RunningCenter, user: CenterUser) {
  const db = centerDb(center);
  const session = await db
    .selectFrom('sessions')
    .select(['issuer', 'subject'])
    .where('email', '=', user.person.email)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  return db
    .selectFrom('individuals')
    .selectAll()
    .where('issuer', '=', session.issuer)
    .where('subject', '=', session.subject)
    .executeTakeFirstOrThrow();
}

export async function locationsOf(center: RunningCenter, organizationId: string) {
  return centerDb(center)
    .selectFrom('locations')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .orderBy('position')
    .execute();
}

/** `user` asks to join at `locationId`, and `admin` approves. */
export async function joinAndApprove(
  center: RunningCenter,
  admin: CenterUser,
  user: CenterUser,
  organizationId: string,
  locationId: string,
) {
  expect((await user.post(`/join/${organizationId}`, { location: locationId })).status).toBe(303);
  const asking = await individualOf(center, user);
  const request = await centerDb(center)
    .selectFrom('join_requests')
    .select('id')
    .where('individual_id', '=', asking.id)
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  expect((await admin.post(`/organization/requests/${request.id}`, { decision: 'approve' })).status).toBe(
    303,
  );
  return individualOf(center, user);
}

/** Counts of every table a Center form writes: compared before and after a refused form. */
export async function rowCounts(center: RunningCenter) {
  const db = centerDb(center);
  const counts: Record<string, number> = {};
  for (const table of [
    'individuals',
    'organizations',
    'locations',
    'join_requests',
    'audit_events',
    'member_roles',
    'outbox',
  ] as const) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

export { registerPerson };
