import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_PASSWORD, ACR_STRONG } from '../../idp/oidc/acr.ts';
import { customerSource } from '../../relying-party/customersource/site.ts';
import { meetsLevel } from '../../relying-party/kit/auth/routes.ts';
import { issueLink, readLink, spendLink } from '../../relying-party/kit/links.ts';
import { grantRole, revokeRole, rightsOf, rolesOf } from '../../relying-party/kit/roles/repository.ts';
import { kitDatabase } from '../../relying-party/kit/tables.ts';
import { type SampleTables, sampleSite } from '../fixtures/sample-site/site.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { createTestDatabase, STORES, type TestDatabase } from '../helpers/databases.ts';
import { followThroughPassport, signInToExtranet, startIdpAndSites } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';

const SAMPLE_MIGRATIONS = path.join(import.meta.dirname, '..', 'fixtures', 'sample-site', 'migrations');

describe('a second site on the kit, next to CustomerSource', () => {
  let network: Awaited<ReturnType<typeof startIdpAndSites<'customerSource' | 'sample'>>>;
  let person: TestPerson;

  beforeAll(async () => {
    network = await startIdpAndSites({
      sites: {
        customerSource: { site: customerSource, env: { RP_REQUIRED_ACR: ACR_PASSWORD } },
        sample: { site: sampleSite },
      },
    });
    person = await registerPerson(network.idp);
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  test('signed in at CustomerSource, the second site signs in without a password and keeps its own cookies', async () => {
    const { browser, url } = await signInToExtranet(network.sites.customerSource, person);
    expect(url.pathname).toBe('/associate');
    const sample = network.sites.sample;
    const flow = await followThroughPassport(browser, `${sample.url}/auth/sign-in?return=/`, person);
    expect(flow.askedForPassword).toBe(false);
    expect(flow.url.href).toBe(`${sample.url}/`);
    const html = await flow.response.text();
    expect(html).toContain(person.email);
    expect(html).toContain('<title>Sample home - Sample Site</title>');
    // One cookie jar for every port, as in a browser: each site's cookies by its own prefix.
    expect(browser.cookieNames).toEqual(expect.arrayContaining(['rp_session', 'ss_session']));
    // CustomerSource's session survived the second site's sign-in.
    const back = await browser.follow(`${network.sites.customerSource.url}/associate`);
    expect(back.response.status).toBe(200);
    expect(back.url.pathname).toBe('/associate');
    // The session keeps what the IdP vouched for.
    const session = await sample.db.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
    expect(session).toMatchObject({ acr: ACR_PASSWORD, email: person.email });
  });

  test('a route guard reads rights from the tables on every request: 403 without the right, or in another scope', async () => {
    const browser = new HttpSession();
    const sample = network.sites.sample;
    const other = await registerPerson(network.idp);
    await followThroughPassport(browser, `${sample.url}/auth/sign-in?return=/`, other);
    const session = await sample.db
      .selectFrom('sessions')
      .select(['issuer', 'subject'])
      .where('email', '=', other.email)
      .executeTakeFirstOrThrow();
    const memberId = randomUUID();
    const organizationId = randomUUID();
    await (sample.db as unknown as Kysely<SampleTables>)
      .insertInto('members')
      .values({
        id: memberId,
        organization_id: organizationId,
        issuer: session.issuer,
        subject: session.subject,
      })
      .execute();
    const post = (location: string) =>
      browser.request(`${sample.url}/locations/manage`, {
        form: { location },
        headers: { origin: sample.url },
      });

    expect((await post('north')).status).toBe(403);
    await grantRole(kitDatabase(sample.db), {
      memberId,
      organizationId,
      roleKey: 'location_admin',
      scope: 'north',
      grantedBy: null,
    });
    const allowed = await post('north');
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('<p id="done">north</p>');
    const refused = await post('south');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('You do not have the rights for this.');

    await revokeRole(kitDatabase(sample.db), {
      memberId,
      organizationId,
      roleKey: 'location_admin',
      scope: 'north',
    });
    expect((await post('north')).status).toBe(403);
  });
});

describe.each(STORES)('kit roles and mailed links on %s', (store) => {
  let database: TestDatabase<SampleTables>;
  let db: Kysely<SampleTables>;

  beforeAll(async () => {
    database = await createTestDatabase<SampleTables>(store, SAMPLE_MIGRATIONS);
    db = database.db;
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  test('rolesOf answers for many members in one query; rights follow the roles and their scope', async () => {
    const kit = kitDatabase(db);
    const organizationId = randomUUID();
    const [owner, local, nobody] = [randomUUID(), randomUUID(), randomUUID()];
    expect(await grantRole(kit, { memberId: owner, organizationId, roleKey: 'owner', grantedBy: null })).toBe(
      true,
    );
    expect(await grantRole(kit, { memberId: owner, organizationId, roleKey: 'owner', grantedBy: null })).toBe(
      false,
    );
    await grantRole(kit, {
      memberId: local,
      organizationId,
      roleKey: 'location_admin',
      scope: 'l1',
      grantedBy: owner,
    });

    const statements: string[] = [];
    const logged = kitDatabase(db).withPlugin({
      transformQuery: (args) => {
        statements.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const roles = await rolesOf(logged, [owner, local, nobody]);
    expect(statements).toHaveLength(1);
    expect(roles.get(owner)).toEqual([{ roleKey: 'owner', organizationId, scope: '' }]);
    expect(roles.get(local)).toEqual([{ roleKey: 'location_admin', organizationId, scope: 'l1' }]);
    expect(roles.get(nobody)).toEqual([]);

    expect(await rightsOf(kit, local, organizationId)).toEqual([{ right: 'members.manage', scope: 'l1' }]);
    expect(await rightsOf(kit, local, randomUUID())).toEqual([]);
  });

  test('the last holder of a role stays, even when two revocations race', async () => {
    const kit = kitDatabase(db);
    const organizationId = randomUUID();
    const [first, second] = [randomUUID(), randomUUID()];
    for (const memberId of [first, second])
      await grantRole(kit, { memberId, organizationId, roleKey: 'owner', grantedBy: null });

    const results = await Promise.all(
      [first, second].map((memberId) =>
        revokeRole(kit, { memberId, organizationId, roleKey: 'owner', unlessLast: true }),
      ),
    );
    expect(results.sort()).toEqual(['last-holder', 'revoked']);
    const left = await db
      .selectFrom('member_roles')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .execute();
    expect(left).toHaveLength(1);
    expect(
      await revokeRole(kit, {
        memberId: left[0]!.member_id,
        organizationId,
        roleKey: 'owner',
        unlessLast: true,
      }),
    ).toBe('last-holder');
  });

  test('a mailed link is stored hashed, is spent once by one of two racing requests, and then reads as spent', async () => {
    const kit = kitDatabase(db);
    const target = randomUUID();
    const token = await issueLink(kit, { purpose: 'join', targetId: target, ttlMs: 60_000 });
    const stored = await db.selectFrom('mailed_links').selectAll().where('target_id', '=', target).execute();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await readLink(kit, 'invite', token)).toBeUndefined();
    expect((await readLink(kit, 'join', token))?.state).toBe('usable');

    const spent = await Promise.all([spendLink(kit, 'join', token), spendLink(kit, 'join', token)]);
    expect(spent.filter(Boolean)).toHaveLength(1);
    expect((await readLink(kit, 'join', token))?.state).toBe('spent');

    const expired = await issueLink(
      kit,
      { purpose: 'join', targetId: target, ttlMs: 1_000 },
      Date.now() - 10_000,
    );
    expect((await readLink(kit, 'join', expired))?.state).toBe('expired');
    expect(await spendLink(kit, 'join', expired)).toBe(false);
    expect(await readLink(kit, 'join', 'not-a-token')).toBeUndefined();
  });
});

test("a site's required level is met by that level or a stronger one of Passport's, never a weaker or unknown one", () => {
  expect(meetsLevel(ACR_PASSWORD, ACR_PASSWORD)).toBe(true);
  expect(meetsLevel(ACR_STRONG, ACR_PASSWORD)).toBe(true);
  expect(meetsLevel(ACR_STRONG, ACR_STRONG)).toBe(true);
  expect(meetsLevel(ACR_PASSWORD, ACR_STRONG)).toBe(false);
  expect(meetsLevel(undefined, ACR_PASSWORD)).toBe(false);
  expect(meetsLevel('urn:other', ACR_PASSWORD)).toBe(false);
  expect(meetsLevel(ACR_STRONG, 'urn:other')).toBe(false);
});
