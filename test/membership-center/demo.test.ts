import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PEOPLE } from '../../relying-party/membership-center/seed.ts';
import { membershipCenter } from '../../relying-party/membership-center/site.ts';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import { startIdpAndSites } from '../helpers/extranet-flow.ts';
import { centerDb, signInToCenter } from '../helpers/membership-center.ts';

describe('the demo data of the README walk', () => {
  let network: Awaited<ReturnType<typeof startIdpAndSites<'center'>>>;

  beforeAll(async () => {
    network = await startIdpAndSites({ sites: { center: { site: membershipCenter, seedDemoData: true } } });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  test('an organization with two locations, a Global admin, a Location admin and a pending request', async () => {
    const db = centerDb(network.sites.center);
    const locations = await db.selectFrom('locations').select('name').orderBy('position').execute();
    expect(locations.map((location) => location.name)).toEqual(['São Paulo', 'Seattle']);
    const roles = await db
      .selectFrom('member_roles')
      .innerJoin('individuals', 'individuals.id', 'member_roles.member_id')
      .select(['individuals.email', 'member_roles.role_key'])
      .where('member_roles.role_key', 'in', ['global_admin', 'location_admin'])
      .orderBy('member_roles.role_key')
      .execute();
    expect(roles).toEqual([
      { email: 'pat@northwind.example', role_key: 'global_admin' },
      { email: 'ana@northwind.example', role_key: 'location_admin' },
    ]);
    expect(await db.selectFrom('join_requests').select('state').execute()).toEqual([{ state: 'pending' }]);
  });

  test('the first Passport signed in with a demo address becomes that person, known from then on by its subject', async () => {
    const pat = DEMO_PEOPLE[0]!;
    const passport = await registerPerson(network.idp, { ...newPerson(), email: pat.email });
    const { user, flow } = await signInToCenter(network.sites.center, passport);
    expect(flow.url.pathname).toBe('/organization');
    const page = await flow.response.text();
    expect(page).toContain('Northwind Partners');
    expect(page).toContain('Jo Newcomer');
    expect((await user.get('/organization/audit')).status).toBe(200);
    // Claimed: the demo person is now known by that Passport's subject, never by e-mail again.
    const claimed = await centerDb(network.sites.center)
      .selectFrom('individuals')
      .select(['issuer', 'subject'])
      .where('email', '=', pat.email)
      .executeTakeFirstOrThrow();
    expect(claimed.issuer).toBe(network.idp.issuer);
  });
});
