import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { membershipCenter } from '../../relying-party/membership-center/site.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { startIdpAndSites } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import {
  type CenterUser,
  centerDb,
  enrol,
  individualOf,
  joinAndApprove,
  locationsOf,
  newIndividual,
  PROFILE,
  rowCounts,
  signInToCenter,
} from '../helpers/membership-center.ts';

describe('the Partner Membership Center', () => {
  let network: Awaited<ReturnType<typeof startIdpAndSites<'center'>>>;
  const center = () => network.sites.center;

  beforeAll(async () => {
    network = await startIdpAndSites({ sites: { center: { site: membershipCenter } } });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  /** A Global administrator of a new organization with two locations, and its ids. */
  async function organizationWithAdmin() {
    const admin = await newIndividual(network.idp, center());
    await enrol(admin);
    const individual = await individualOf(center(), admin);
    const organizationId = individual.organization_id!;
    const locations = await locationsOf(center(), organizationId);
    return { admin, adminId: individual.id, organizationId, locations };
  }

  async function rolesHeld(memberId: string) {
    const rows = await centerDb(center())
      .selectFrom('member_roles')
      .select(['role_key', 'scope'])
      .where('member_id', '=', memberId)
      .orderBy('role_key')
      .execute();
    return rows.map((row) => (row.scope ? `${row.role_key}@${row.scope}` : row.role_key));
  }

  test('a Passport the Center does not know completes an Individual Profile; a second Passport is a stranger', async () => {
    const person = await registerPerson(network.idp);
    const { user, flow } = await signInToCenter(center(), person);
    expect(flow.url.pathname).toBe('/profile/new');
    const form = await flow.response.text();
    // The Passport's e-mail (the `email` claim) is suggested.
    expect(form).toContain(`value="${person.email}"`);
    expect((await user.post('/profile/new', { ...PROFILE, email: person.email })).status).toBe(303);
    const individual = await individualOf(center(), user);
    expect(individual).toMatchObject({ name: PROFILE.name, email: person.email, organization_id: null });
    const front = await user.browser.follow(`${center().url}/`);
    expect(front.url.pathname).toBe('/start');

    // The same person with another Passport: not recognized, a profile again, another individual.
    const second = await registerPerson(network.idp);
    const { flow: again } = await signInToCenter(center(), second);
    expect(again.url.pathname).toBe('/profile/new');
    expect(await again.response.text()).not.toContain(PROFILE.name);
  });

  test('a changed e-mail at Passport keeps the person: same profile, same organization', async () => {
    const user = await newIndividual(network.idp, center());
    await enrol(user);
    const before = await individualOf(center(), user);

    // Change the e-mail through Passport's account services, as the person would.
    const idp = network.idp.issuer;
    const account = new HttpSession();
    const signInPage = await account.follow(`${idp}/account`);
    await account.follow(`${signInPage.url.origin}${signInPage.url.pathname}/login`, {
      form: { email: user.person.email, password: user.person.password },
    });
    const newEmail = `changed.${Date.now()}@example.test`;
    expect((await account.request(`${idp}/account/email`, { form: { email: newEmail } })).status).toBe(200);
    const mail = await network.mailbox.waitFor(newEmail, { subject: /Confirm your new Passport e-mail/ });
    const link = /https?:\/\/\S+\/account\/email\/confirm\/\S+/.exec(mail.Text)![0];
    expect((await new HttpSession().request(link, { method: 'POST' })).status).toBe(200);

    const changed = { ...user.person, email: newEmail };
    const { flow } = await signInToCenter(center(), changed);
    expect(flow.url.pathname).toBe('/organization');
    expect(await flow.response.text()).toContain(before.name);
    const sessions = await centerDb(center())
      .selectFrom('sessions')
      .select(['subject', 'email'])
      .where('subject', '=', before.subject)
      .execute();
    expect(sessions.map((session) => session.email)).toContain(newEmail);
    expect(
      await centerDb(center())
        .selectFrom('individuals')
        .select('id')
        .where('subject', '=', before.subject)
        .execute(),
    ).toEqual([{ id: before.id }]);
  });

  test('enrolment makes the enrolling individual Primary Program Contact and Global administrator, audited', async () => {
    const { admin, adminId, organizationId, locations } = await organizationWithAdmin();
    expect(locations.map((location) => location.name)).toEqual(['São Paulo', 'Seattle']);
    expect(await rolesHeld(adminId)).toEqual(['global_admin', 'primary_contact']);
    const page = await admin.get('/organization?done=enrolled');
    const html = await page.text();
    expect(html).toContain('You are its Primary Program Contact with Global administrative rights.');
    expect(html).toContain(organizationId);
    const audit = await (await admin.get('/organization/audit')).text();
    expect(audit).toContain('enrolled the organization');
    // Enrolled once: a second enrolment is refused and writes nothing.
    const before = await rowCounts(center());
    const again = await admin.post('/enrol', {
      name: 'Again',
      address: 'x',
      location_1: 'x',
      location_2: '',
      location_3: '',
    });
    expect(again.status).toBe(409);
    expect(await rowCounts(center())).toEqual(before);
  });

  test('a join request approved and one declined: each person is mailed in their own language', async () => {
    const { admin, organizationId, locations } = await organizationWithAdmin();
    const english = await newIndividual(network.idp, center());
    const portuguese = await newIndividual(network.idp, center(), {}, { 'accept-language': 'pt-BR' });

    // Joining is asked by organization ID, then a location.
    const found = await english.browser.follow(`${center().url}/join`, {
      form: { organization_id: organizationId },
      headers: { origin: center().url },
    });
    expect(found.url.pathname).toBe(`/join/${organizationId}`);
    expect(await found.response.text()).toContain('Seattle');
    const joined = await joinAndApprove(center(), admin, english, organizationId, locations[1]!.id);
    expect(joined.organization_id).toBe(organizationId);
    const approved = await network.mailbox.waitFor(english.person.email, { subject: /You have joined/ });
    expect(approved.Text).toContain('approved your request');

    expect((await portuguese.post(`/join/${organizationId}`, { location: locations[0]!.id })).status).toBe(
      303,
    );
    const pending = await (await admin.get('/organization')).text();
    const requestId = /action="\/organization\/requests\/([\w-]+)"/.exec(pending)![1]!;
    expect((await admin.post(`/organization/requests/${requestId}`, { decision: 'decline' })).status).toBe(
      303,
    );
    const declined = await network.mailbox.waitFor(portuguese.person.email, {
      subject: /O seu pedido para entrar/,
    });
    expect(declined.Text).toContain('recusou o seu pedido');
    expect((await individualOf(center(), portuguese)).organization_id).toBeNull();
    // Decided once: a second decision changes nothing.
    expect((await admin.post(`/organization/requests/${requestId}`, { decision: 'approve' })).status).toBe(
      409,
    );
    const audit = await (await admin.get('/organization/audit')).text();
    expect(audit).toContain('approved the request of');
    expect(audit).toContain('declined the request of');
  });

  test('a Location administrator manages the contacts of their location only (forged posts included)', async () => {
    const { admin, organizationId, locations } = await organizationWithAdmin();
    const [saoPaulo, seattle] = [locations[0]!.id, locations[1]!.id];
    const local = await newIndividual(network.idp, center());
    const localId = (await joinAndApprove(center(), admin, local, organizationId, saoPaulo)).id;
    const here = await newIndividual(network.idp, center());
    const hereId = (await joinAndApprove(center(), admin, here, organizationId, saoPaulo)).id;
    const there = await newIndividual(network.idp, center());
    const thereId = (await joinAndApprove(center(), admin, there, organizationId, seattle)).id;
    expect(
      (
        await admin.post(`/organization/contacts/${localId}/roles`, {
          role: 'location_admin',
          change: 'grant',
        })
      ).status,
    ).toBe(303);
    expect(await rolesHeld(localId)).toEqual([`location_admin@${saoPaulo}`]);

    // What the page shows follows the rights: contacts of São Paulo, not of Seattle; no audit.
    const overview = await (await local.get('/organization')).text();
    expect(overview).toContain(`/organization/contacts/${hereId}`);
    expect(overview).not.toContain(`/organization/contacts/${thereId}`);
    expect(overview).not.toContain('/organization/audit');
    const contactPage = await (await local.get(`/organization/contacts/${hereId}`)).text();
    expect(contactPage).toContain('Make Billing contact');
    expect(contactPage).not.toContain('Make Global administrator');

    // Allowed: a Program Contact Role for a contact of their location.
    expect(
      (
        await local.post(`/organization/contacts/${hereId}/roles`, {
          role: 'billing_contact',
          change: 'grant',
        })
      ).status,
    ).toBe(303);
    expect(await rolesHeld(hereId)).toEqual(['billing_contact']);

    const before = await rowCounts(center());
    const forged: [string, Record<string, string>][] = [
      [`/organization/contacts/${thereId}/roles`, { role: 'billing_contact', change: 'grant' }],
      [`/organization/contacts/${thereId}/remove`, {}],
      [`/organization/contacts/${hereId}/roles`, { role: 'global_admin', change: 'grant' }],
      [`/organization/contacts/${hereId}/roles`, { role: 'location_admin', change: 'grant' }],
      [`/organization/contacts/${hereId}/roles`, { role: 'primary_contact', change: 'grant' }],
      [`/organization/contacts/${localId}/roles`, { role: 'global_admin', change: 'grant' }],
    ];
    for (const [path, form] of forged) {
      const refused = await local.post(path, form);
      expect(refused.status, path).toBe(403);
      expect(await refused.text()).toContain('You do not have the rights for this.');
    }
    expect((await local.get(`/organization/contacts/${thereId}`)).status).toBe(403);
    // A join request for Seattle is not theirs to decide.
    const newcomer = await newIndividual(network.idp, center());
    expect((await newcomer.post(`/join/${organizationId}`, { location: seattle })).status).toBe(303);
    const requestId = (
      await centerDb(center())
        .selectFrom('join_requests')
        .select('id')
        .where('state', '=', 'pending')
        .where('location_id', '=', seattle)
        .executeTakeFirstOrThrow()
    ).id;
    const afterRequest = await rowCounts(center());
    expect((await local.post(`/organization/requests/${requestId}`, { decision: 'approve' })).status).toBe(
      403,
    );
    expect(await rowCounts(center())).toEqual(afterRequest);
    expect(afterRequest.member_roles).toBe(before.member_roles);
    // A request for São Paulo is theirs to decide.
    const local2 = await newIndividual(network.idp, center());
    await joinAndApprove(center(), local, local2, organizationId, saoPaulo);
    expect((await individualOf(center(), local2)).location_id).toBe(saoPaulo);
    // Not even the Global administrator at their own location, nor another Location administrator there.
    const adminId = (await individualOf(center(), admin)).id;
    expect((await local.post(`/organization/contacts/${adminId}/remove`, {})).status).toBe(403);
    expect(
      (
        await local.post(`/organization/contacts/${adminId}/roles`, {
          role: 'global_admin',
          change: 'revoke',
        })
      ).status,
    ).toBe(403);
    expect(await rolesHeld(adminId)).toEqual(['global_admin', 'primary_contact']);
    // A plain member, and someone of another organization, manage nothing here.
    expect(
      (
        await here.post(`/organization/contacts/${thereId}/roles`, {
          role: 'billing_contact',
          change: 'grant',
        })
      ).status,
    ).toBe(403);
    const outsider = await newIndividual(network.idp, center());
    await enrol(outsider);
    expect(
      (
        await outsider.post(`/organization/contacts/${thereId}/roles`, {
          role: 'billing_contact',
          change: 'grant',
        })
      ).status,
    ).toBe(404);
    expect(await rolesHeld(thereId)).toEqual([]);
  });

  test('exactly one Primary Program Contact: giving it moves it; it cannot be taken away', async () => {
    const { admin, adminId, organizationId, locations } = await organizationWithAdmin();
    const other = await newIndividual(network.idp, center());
    const otherId = (await joinAndApprove(center(), admin, other, organizationId, locations[0]!.id)).id;
    expect(
      (
        await admin.post(`/organization/contacts/${otherId}/roles`, {
          role: 'primary_contact',
          change: 'grant',
        })
      ).status,
    ).toBe(303);
    expect(await rolesHeld(otherId)).toEqual(['primary_contact']);
    expect(await rolesHeld(adminId)).toEqual(['global_admin']);
    const refused = await admin.post(`/organization/contacts/${otherId}/roles`, {
      role: 'primary_contact',
      change: 'revoke',
    });
    expect(refused.status).toBe(409);
    expect(await rolesHeld(otherId)).toEqual(['primary_contact']);
  });

  test('the last Global administrator cannot be removed or demoted', async () => {
    const { admin, adminId, organizationId, locations } = await organizationWithAdmin();
    const demoted = await admin.post(`/organization/contacts/${adminId}/roles`, {
      role: 'global_admin',
      change: 'revoke',
    });
    expect(demoted.status).toBe(409);
    const html = await demoted.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('The organization needs at least one Global administrator.');
    expect(await rolesHeld(adminId)).toEqual(['global_admin', 'primary_contact']);

    // With a second one, the first can step down; then the second is the last.
    const second = await newIndividual(network.idp, center());
    const secondId = (await joinAndApprove(center(), admin, second, organizationId, locations[1]!.id)).id;
    expect(
      (
        await admin.post(`/organization/contacts/${secondId}/roles`, {
          role: 'global_admin',
          change: 'grant',
        })
      ).status,
    ).toBe(303);
    expect((await second.post(`/organization/contacts/${secondId}/remove`, {})).status).toBe(303);
    expect((await individualOf(center(), second)).organization_id).toBeNull();
    expect(
      (
        await admin.post(`/organization/contacts/${adminId}/roles`, {
          role: 'global_admin',
          change: 'revoke',
        })
      ).status,
    ).toBe(409);
  });

  test('the public-domain notice: shown for a public mail address, not for a company one', async () => {
    const publicUser = await newIndividual(network.idp, center(), { email: 'someone@hotmail.com' });
    const shown = await (await publicUser.get('/profile')).text();
    expect(shown).toContain('Please use a company e-mail address');
    expect(shown).toContain('href="/about#company-email"');
    const company = await newIndividual(network.idp, center(), { email: 'buyer@contoso.example' });
    // The Passport e-mail of the tests is at example.test: no notice anywhere.
    expect(await (await company.get('/profile')).text()).not.toContain('Please use a company e-mail address');
    // Typing a public address into the form shows it at once, even when the form is refused.
    const refused = await company.post('/profile', { ...PROFILE, email: 'me@gmail.com', phone: 'x' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Please use a company e-mail address');
  });

  test('bad input on every form: a clear message next to the field, a 4xx, nothing stored', async () => {
    const { admin, organizationId, locations } = await organizationWithAdmin();
    const member = await newIndividual(network.idp, center());
    const memberId = (await joinAndApprove(center(), admin, member, organizationId, locations[0]!.id)).id;
    const stranger = await signInToCenter(center(), await registerPerson(network.idp));
    const asker = await newIndividual(network.idp, center());

    const cases: [CenterUser, string, Record<string, string>, number, string][] = [
      [
        stranger.user,
        '/profile/new',
        { ...PROFILE, email: 'not-an-email' },
        400,
        'Enter a valid e-mail address.',
      ],
      [
        stranger.user,
        '/profile/new',
        { ...PROFILE, email: 'a@b.example', name: '' },
        400,
        'Name is required.',
      ],
      [
        stranger.user,
        '/profile/new',
        { ...PROFILE, email: 'a@b.example', country: 'ZZ' },
        400,
        'Choose your country or region from the list.',
      ],
      [
        stranger.user,
        '/profile/new',
        { ...PROFILE, email: 'a@b.example', phone: 'call me' },
        400,
        'Enter a phone number',
      ],
      [
        member,
        '/profile',
        { ...PROFILE, email: 'a@b.example', name: 'x'.repeat(101) },
        400,
        'Name is too long',
      ],
      [
        asker,
        '/enrol',
        { name: '', address: 'Somewhere', location_1: 'Here', location_2: '', location_3: '' },
        400,
        'Organization name is required.',
      ],
      [
        asker,
        '/enrol',
        { name: 'Acme', address: 'Somewhere', location_1: '', location_2: 'There', location_3: '' },
        400,
        'First location is required.',
      ],
      [
        asker,
        '/enrol',
        { name: 'Acme\u202e', address: 'Somewhere', location_1: 'Here', location_2: '', location_3: '' },
        400,
        'invisible characters',
      ],
      [asker, '/join', { organization_id: 'no such thing!' }, 400, 'An organization ID is made of letters'],
      [
        asker,
        '/join',
        { organization_id: 'f00d0000-0000-4000-8000-000000000000' },
        400,
        'No organization has this ID.',
      ],
      [asker, `/join/${organizationId}`, {}, 400, 'Choose the location you work at.'],
      [
        asker,
        `/join/${organizationId}`,
        { location: 'f00d0000-0000-4000-8000-000000000000' },
        400,
        'Choose the location you work at.',
      ],
      [
        admin,
        `/organization/contacts/${memberId}/roles`,
        { role: 'emperor', change: 'grant' },
        400,
        'unexpected value',
      ],
      [
        admin,
        `/organization/contacts/${memberId}/roles`,
        { role: 'billing_contact', change: 'maybe' },
        400,
        'unexpected value',
      ],
      [admin, '/organization/requests/not-a-request', { decision: 'approve' }, 404, ''],
      [admin, `/organization/requests/${memberId}`, { decision: 'perhaps' }, 400, 'unexpected value'],
    ];
    for (const [user, path, form, status, message] of cases) {
      const before = await rowCounts(center());
      const response = await user.post(path, form);
      const html = await response.text();
      expect(response.status, `${path} ${JSON.stringify(form)}`).toBe(status);
      expect(html).toContain(message);
      if (status === 400) expect(html).toContain('role="alert"');
      // A field the page shows gets its message next to it; a forged hidden value is named in the summary.
      if (status === 400 && !/\/(roles|requests\/)/.test(path)) expect(html).toMatch(/class="field-error"/);
      expect(await rowCounts(center()), path).toEqual(before);
    }
    // What was typed is kept.
    const kept = await asker.post('/enrol', {
      name: 'Acme Kept',
      address: '',
      location_1: 'Here',
      location_2: '',
      location_3: '',
    });
    expect(await kept.text()).toContain('value="Acme Kept"');
  });

  test('pages that need a profile or an organization send the visitor on; a post without them is refused', async () => {
    const anonymous = new HttpSession();
    const page = await anonymous.request(`${center().url}/organization`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/auth/sign-in?return=%2Forganization');
    const post = await anonymous.request(`${center().url}/enrol`, {
      form: { name: 'x' },
      headers: { origin: center().url },
    });
    expect(post.status).toBe(403);
    const about = await anonymous.request(`${center().url}/about`);
    expect(about.status).toBe(200);
    expect(await about.text()).toContain('What happens if I use a different Passport');
  });
});
