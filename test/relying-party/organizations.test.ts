import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planEndsAtFromLastDay } from '../../relying-party/customersource/organizations/plan.ts';
import { seedDemoData } from '../../relying-party/customersource/organizations/seed.ts';
import { createOrganizationService } from '../../relying-party/customersource/organizations/service.ts';
import { hashMailToken } from '../../shared/security/mail-token.ts';
import { type Member, signedInMember } from '../helpers/extranet-admin.ts';
import { addOrganization, addProfile, profileRoles, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { STORES } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';

type Services = Awaited<ReturnType<typeof startIdpAndExtranet>>;

describe.each(STORES)(
  'company administration, access by service plan, support and resources (%s)',
  (store) => {
    let services: Services;
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
    let base: string;
    const ids: Record<string, string> = {};
    let dana: Member; // administrator of Contoso (active plan)
    let lee: Member; // not an administrator, Contoso
    let sam: Member; // administrator of Fabrikam (plan ended)
    let pat: Member; // partner
    let riley: Member; // support staff

    const db = () => services.extranet.db;

    async function profileIdByEmail(email: string) {
      const row = await db()
        .selectFrom('profiles')
        .select('id')
        .where('email_key', '=', email.toLowerCase())
        .where('removed_at', 'is', null)
        .executeTakeFirstOrThrow();
      return row.id;
    }

    async function organizationIdByName(name: string) {
      return (
        await db().selectFrom('organizations').select('id').where('name', '=', name).executeTakeFirstOrThrow()
      ).id;
    }

    async function page(member: Member, path: string) {
      const response = await member.browser.request(`${base}${path}`);
      return {
        status: response.status,
        location: response.headers.get('location'),
        html: await response.text(),
      };
    }

    async function post(member: Member, path: string, form: Record<string, string> = {}, headers = {}) {
      const response = await member.browser.request(`${base}${path}`, { form, headers });
      return {
        status: response.status,
        location: response.headers.get('location'),
        html: await response.text(),
      };
    }

    async function auditOf(organizationId: string) {
      return db()
        .selectFrom('audit_log')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .orderBy('at')
        .execute();
    }

    /** The message shown next to a field, or undefined. */
    function fieldError(html: string, field: string) {
      return new RegExp(`<p class="field-error" id="${field}-error">([^<]*)</p>`).exec(html)?.[1];
    }

    beforeAll(async () => {
      postgres = store === 'postgres' ? await createPostgresDatabase() : undefined;
      services = await startIdpAndExtranet({ env: postgres ? { RP_DATABASE_URL: postgres.url } : {} });
      base = services.extranet.url;
      expect(await seedDemoData(db())).toBe(true);
      for (const email of [
        'dana@contoso.example',
        'lee@contoso.example',
        'sam@fabrikam.example',
        'pat@northwind.example',
        'support@customersource.example',
      ]) {
        ids[email] = await profileIdByEmail(email);
      }
      ids.contoso = await organizationIdByName('Contoso Pharmaceuticals');
      ids.fabrikam = await organizationIdByName('Fabrikam Tools');
      ids.northwind = await organizationIdByName('Northwind Partners');
      dana = await signedInMember(services, ids['dana@contoso.example']);
      lee = await signedInMember(services, ids['lee@contoso.example']);
      sam = await signedInMember(services, ids['sam@fabrikam.example']);
      pat = await signedInMember(services, ids['pat@northwind.example']);
      riley = await signedInMember(services, ids['support@customersource.example']);
    });

    afterAll(async () => {
      await services?.close();
      await postgres?.drop();
    });

    test('demo data: four organizations, their people and eight resources, only into an empty store', async () => {
      const organizations = await db().selectFrom('organizations').select(['name', 'kind', 'plan']).execute();
      expect(organizations.map((row) => `${row.name}/${row.kind}/${row.plan}`).sort()).toEqual([
        'Contoso Pharmaceuticals/customer/support',
        'CustomerSource Support/staff/null',
        'Fabrikam Tools/customer/service',
        'Northwind Partners/partner/null',
      ]);
      const support = await profileRoles(db(), ids['support@customersource.example']!);
      expect(support).toEqual({ is_admin: 1, is_support: 1 });
      const resources = await db().selectFrom('resources').select('category').execute();
      expect(resources).toHaveLength(8);
      expect(new Set(resources.map((row) => row.category))).toEqual(
        new Set(['Product updates', 'Documentation', 'Training', 'Newsletters']),
      );
      // A second start leaves a store with organizations alone.
      expect(await seedDemoData(db())).toBe(false);
      expect(await db().selectFrom('organizations').select('id').execute()).toHaveLength(4);
    });

    test('signed-out visitors are sent to sign in and back; a Passport without a profile goes to the front door', async () => {
      for (const path of ['/resources', '/account', '/account/profiles', '/support']) {
        const response = await fetch(`${base}${path}`, { redirect: 'manual' });
        expect(response.status).toBe(303);
        expect(response.headers.get('location')).toBe(`/auth/sign-in?return=${encodeURIComponent(path)}`);
      }
      const stranger = await signedInMember(services, undefined);
      const resources = await page(stranger, '/resources');
      expect(resources.status).toBe(303);
      expect(resources.location).toBe('/');
    });

    test('resources: the catalogue by category for a customer with a current plan', async () => {
      const { status, html } = await page(lee, '/resources');
      expect(status).toBe(200);
      const headings = [...html.matchAll(/<h2>([^<]+)<\/h2>/g)].map((match) => match[1]);
      expect(headings).toEqual(['Product updates', 'Documentation', 'Training', 'Newsletters']);
      expect(html).toContain('Installation guide');
    });

    test('an ended plan gets a clear page and no data, on resources and on administration alike', async () => {
      const catalogue = await db().selectFrom('resources').select('title').execute();
      for (const path of [
        '/resources',
        '/account',
        '/account/profiles',
        `/account/profiles/${ids['sam@fabrikam.example']}`,
      ]) {
        const { status, html } = await page(sam, path);
        expect(status, path).toBe(403);
        expect(html).toMatch(
          /Your organization's service plan ended on [A-Z][a-z]+ \d{1,2}, \d{4}\. Contact .* to renew\./,
        );
        for (const { title } of catalogue) expect(html).not.toContain(title);
        expect(html).not.toContain('sam@fabrikam.example');
      }
      const change = await post(sam, `/account/profiles/${ids['sam@fabrikam.example']}`, {
        name: 'Changed',
        email: 'changed@fabrikam.example',
      });
      expect(change.status).toBe(403);
      const row = await db()
        .selectFrom('profiles')
        .select('name')
        .where('id', '=', ids['sam@fabrikam.example']!)
        .executeTakeFirstOrThrow();
      expect(row.name).toBe('Sam Owner');
    });

    test('a partner has access without a plan', async () => {
      expect((await page(pat, '/resources')).status).toBe(200);
      const accounts = await page(pat, '/account/profiles');
      expect(accounts.status).toBe(200);
      expect(accounts.html).toContain('pat@northwind.example');
    });

    test("My Account leads an administrator to the list of the organization's profiles", async () => {
      const account = await page(dana, '/account');
      expect(account.status).toBe(200);
      expect(account.html).toContain('Account Information');
      expect(account.html).toContain('href="/account/profiles"');
      const list = await page(dana, '/account/profiles');
      expect(list.status).toBe(200);
      expect(list.html).toContain('Our CustomerSource Accounts');
      expect(list.html).toContain('dana@contoso.example');
      expect(list.html).toContain('lee@contoso.example');
      expect(list.html).toContain('Linked to a Passport');
      expect(list.html).not.toContain('fabrikam');
      expect(list.html).not.toContain('northwind');
    });

    test('an administrator adds a professional and the invite mail carries an /associate/ link', async () => {
      const email = 'Robin.New@Contoso.example';
      const saved = await post(dana, '/account/profiles', {
        name: 'Robin New',
        email,
        send_invite: 'yes',
      });
      expect(saved.status).toBe(303);
      expect(saved.location).toBe('/account/profiles?done=added-invited');
      const list = await page(dana, saved.location!);
      expect(list.html).toContain('Robin New');
      expect(list.html).toContain('an invite e-mail was sent');

      const mail = await services.mailbox.waitFor(email, { subject: /invitation/i });
      const link = firstLink(mail, `${base}/associate/`);
      const token = new URL(link).pathname.split('/').pop()!;
      const robin = await profileIdByEmail(email);
      const stored = await db()
        .selectFrom('association_tokens')
        .selectAll()
        .where('token_hash', '=', hashMailToken(token))
        .executeTakeFirstOrThrow();
      expect(stored).toMatchObject({
        profile_id: robin,
        purpose: 'invite',
        bound_subject: null,
        consumed_at: null,
      });

      const audit = await auditOf(ids.contoso!);
      const added = audit.find((entry) => entry.action === 'admin.profile_added');
      expect(added?.actor_profile_id).toBe(ids['dana@contoso.example']);
      expect(JSON.parse(added!.detail!)).toMatchObject({
        profileId: robin,
        inviteSent: true,
        by: dana.identity,
      });
    });

    test('without the invite box, a new profile gets no mail', async () => {
      const saved = await post(dana, '/account/profiles', {
        name: 'Quiet Person',
        email: 'quiet@contoso.example',
      });
      expect(saved.location).toBe('/account/profiles?done=added');
      const quiet = await profileIdByEmail('quiet@contoso.example');
      expect(
        await db()
          .selectFrom('association_tokens')
          .select('token_hash')
          .where('profile_id', '=', quiet)
          .execute(),
      ).toEqual([]);
      expect(
        await db()
          .selectFrom('outbox')
          .select('id')
          .where('recipient', '=', 'quiet@contoso.example')
          .execute(),
      ).toEqual([]);
    });

    test('bad input on Add New Professionals: messages next to the fields, 400, nothing written', async () => {
      const before = await db().selectFrom('profiles').select('id').execute();
      const mailsBefore = await db().selectFrom('outbox').select('id').execute();

      const empty = await post(dana, '/account/profiles', {
        name: '  ',
        email: 'not-an-address',
        send_invite: 'yes',
      });
      expect(empty.status).toBe(400);
      expect(empty.html).toContain('role="alert"');
      expect(fieldError(empty.html, 'name')).toBe('Name is required.');
      expect(fieldError(empty.html, 'email')).toBe('Enter a valid e-mail address.');
      // What was typed comes back, so nothing has to be typed twice.
      expect(empty.html).toContain('value="not-an-address"');

      const duplicate = await post(dana, '/account/profiles', {
        name: 'Lee Again',
        email: ' LEE@contoso.example ',
      });
      expect(duplicate.status).toBe(400);
      expect(fieldError(duplicate.html, 'email')).toMatch(/already has this e-mail address/);

      const tooLong = await post(dana, '/account/profiles', {
        name: 'x'.repeat(101),
        email: 'long@contoso.example',
      });
      expect(tooLong.status).toBe(400);
      expect(fieldError(tooLong.html, 'name')).toMatch(/too long/);

      const control = await post(dana, '/account/profiles', {
        name: 'Bell\u0007',
        email: 'bell@contoso.example',
      });
      expect(control.status).toBe(400);
      expect(fieldError(control.html, 'name')).toMatch(/not valid text/);

      const repeated = await dana.browser.request(`${base}/account/profiles`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=A&name=B&email=a%40contoso.example',
      });
      expect(repeated.status).toBe(400);

      expect(await db().selectFrom('profiles').select('id').execute()).toHaveLength(before.length);
      expect(await db().selectFrom('outbox').select('id').execute()).toHaveLength(mailsBefore.length);
    });

    test('editing: a new address revokes links mailed to the old one and, when asked, invites the new one', async () => {
      await post(dana, '/account/profiles', {
        name: 'Alex Move',
        email: 'alex@old.example',
        send_invite: 'yes',
      });
      const alex = await profileIdByEmail('alex@old.example');
      const oldMail = await services.mailbox.waitFor('alex@old.example', { subject: /invitation/i });
      const oldToken = new URL(firstLink(oldMail, `${base}/associate/`)).pathname.split('/').pop()!;

      const form = await page(dana, `/account/profiles/${alex}`);
      expect(form.status).toBe(200);
      expect(form.html).toContain('Send Invite E-mail to the new address');
      expect(form.html).toContain('value="alex@old.example"');

      const saved = await post(dana, `/account/profiles/${alex}`, {
        name: 'Alex Moved',
        email: 'alex@new.example',
        send_invite: 'yes',
      });
      expect(saved.status).toBe(303);
      expect(saved.location).toBe(`/account/profiles/${alex}?done=saved-invited`);
      const row = await db()
        .selectFrom('profiles')
        .selectAll()
        .where('id', '=', alex)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        name: 'Alex Moved',
        email: 'alex@new.example',
        email_key: 'alex@new.example',
      });
      const oldLink = await db()
        .selectFrom('association_tokens')
        .select('token_hash')
        .where('token_hash', '=', hashMailToken(oldToken))
        .executeTakeFirst();
      expect(oldLink).toBeUndefined();
      const newMail = await services.mailbox.waitFor('alex@new.example', { subject: /invitation/i });
      const newToken = new URL(firstLink(newMail, `${base}/associate/`)).pathname.split('/').pop()!;
      expect(
        await db()
          .selectFrom('association_tokens')
          .select('profile_id')
          .where('token_hash', '=', hashMailToken(newToken))
          .executeTakeFirst(),
      ).toEqual({ profile_id: alex });

      // A name-only change keeps the address and sends nothing, box or not.
      const outboxBefore = (await db().selectFrom('outbox').select('id').execute()).length;
      const renamed = await post(dana, `/account/profiles/${alex}`, {
        name: 'Alex M.',
        email: 'alex@new.example',
        send_invite: 'yes',
      });
      expect(renamed.location).toBe(`/account/profiles/${alex}?done=saved`);
      expect(await db().selectFrom('outbox').select('id').execute()).toHaveLength(outboxBefore);
    });

    test('bad input on the edit form: messages next to the fields, 400, the profile unchanged', async () => {
      const lee_ = ids['lee@contoso.example']!;
      const bad = await post(dana, `/account/profiles/${lee_}`, { name: '', email: 'dana@contoso.example' });
      expect(bad.status).toBe(400);
      expect(fieldError(bad.html, 'name')).toBe('Name is required.');
      const duplicate = await post(dana, `/account/profiles/${lee_}`, {
        name: 'Lee Clerk',
        email: 'DANA@contoso.example',
      });
      expect(duplicate.status).toBe(400);
      expect(fieldError(duplicate.html, 'email')).toMatch(/already has this e-mail address/);
      const row = await db()
        .selectFrom('profiles')
        .selectAll()
        .where('id', '=', lee_)
        .executeTakeFirstOrThrow();
      expect({ ...row, ...(await profileRoles(db(), lee_)) }).toMatchObject({
        name: 'Lee Clerk',
        email: 'lee@contoso.example',
        is_admin: 0,
      });
    });

    test("Send Invite E-mail again: a new link to the profile's address", async () => {
      const lee_ = ids['lee@contoso.example']!;
      const after = new Date();
      const sent = await post(dana, `/account/profiles/${lee_}/invite`);
      expect(sent.location).toBe(`/account/profiles/${lee_}?done=invited`);
      const mail = await services.mailbox.waitFor('lee@contoso.example', { subject: /invitation/i, after });
      const token = new URL(firstLink(mail, `${base}/associate/`)).pathname.split('/').pop()!;
      const stored = await db()
        .selectFrom('association_tokens')
        .select(['profile_id', 'purpose'])
        .where('token_hash', '=', hashMailToken(token))
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ profile_id: lee_, purpose: 'invite' });
      expect((await auditOf(ids.contoso!)).some((entry) => entry.action === 'admin.invite_sent')).toBe(true);
    });

    test('the last administrator can be neither removed nor unmade; with a second one, both work', async () => {
      const danaId = ids['dana@contoso.example']!;
      const leeId = ids['lee@contoso.example']!;
      const unmade = await post(dana, `/account/profiles/${danaId}/administrator`, { administrator: 'no' });
      expect(unmade.status).toBe(409);
      expect(unmade.html).toContain('Dana Buyer is the last administrator of Contoso Pharmaceuticals');
      const removed = await post(dana, `/account/profiles/${danaId}/remove`);
      expect(removed.status).toBe(409);
      expect(removed.html).toContain('cannot be removed');
      const edited = await post(dana, `/account/profiles/${danaId}`, {
        name: 'Dana Buyer',
        email: 'dana@contoso.example',
      });
      expect(edited.status).toBe(409);
      expect(fieldError(edited.html, 'is_admin')).toMatch(/last administrator/);
      const row = await db()
        .selectFrom('profiles')
        .select(['removed_at'])
        .where('id', '=', danaId)
        .executeTakeFirstOrThrow();
      expect({ ...row, is_admin: (await profileRoles(db(), danaId)).is_admin }).toEqual({
        is_admin: 1,
        removed_at: null,
      });

      const granted = await post(dana, `/account/profiles/${leeId}/administrator`, { administrator: 'yes' });
      expect(granted.location).toBe(`/account/profiles/${leeId}?done=admin-granted`);
      expect((await page(lee, '/account/profiles')).status).toBe(200);
      const revoked = await post(dana, `/account/profiles/${leeId}/administrator`, { administrator: 'no' });
      expect(revoked.location).toBe(`/account/profiles/${leeId}?done=admin-revoked`);
      const actions = (await auditOf(ids.contoso!)).map((entry) => entry.action);
      expect(actions).toContain('admin.administrator_granted');
      expect(actions).toContain('admin.administrator_revoked');
    });

    test('administrators unmade at the same moment still leave one', async () => {
      // Straight at the service: HTTP's own jitter would hide the race the lock closes.
      const service = createOrganizationService({ db: db(), siteUrl: base, mailQueued: () => {} });
      for (let round = 0; round < 10; round++) {
        const organizationId = await addOrganization(db(), { name: `Tailspin Toys ${round}` });
        const [first, second] = await Promise.all(
          ['first', 'second'].map((who) =>
            addProfile(db(), { organizationId, name: who, email: `${who}@tailspin.example`, isAdmin: true }),
          ),
        );
        const actor = {
          profileId: first!,
          organizationId,
          organizationName: 'Tailspin Toys',
          identity: { issuer: 'https://passport.example', subject: 'first' },
        };
        const outcomes = await Promise.allSettled([
          service.setAdministrator(actor, second!, false),
          service.setAdministrator(actor, first!, false),
        ]);
        const admins = await db()
          .selectFrom('member_roles')
          .select('member_id')
          .where('organization_id', '=', organizationId)
          .where('role_key', '=', 'admin')
          .execute();
        expect(admins).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
      }
    });

    test('a non-administrator gets 403 on every administration page and action, and changes nothing', async () => {
      const danaId = ids['dana@contoso.example']!;
      for (const path of [
        '/account',
        '/account/profiles',
        '/account/profiles/new',
        `/account/profiles/${danaId}`,
        `/account/profiles/${danaId}/remove`,
      ]) {
        expect((await page(lee, path)).status, path).toBe(403);
      }
      const actions: [string, Record<string, string>][] = [
        ['/account/profiles', { name: 'Sneaky', email: 'sneaky@contoso.example', is_admin: 'yes' }],
        [`/account/profiles/${danaId}`, { name: 'Hijacked', email: 'lee@elsewhere.example' }],
        [`/account/profiles/${danaId}/invite`, {}],
        [`/account/profiles/${ids['lee@contoso.example']}/administrator`, { administrator: 'yes' }],
        [`/account/profiles/${danaId}/remove`, {}],
      ];
      for (const [path, form] of actions) {
        const response = await post(lee, path, form);
        expect(response.status, path).toBe(403);
        expect(response.html).toContain('Only the administrators of your organization');
      }
      const rows = await db()
        .selectFrom('profiles')
        .select(['id', 'name', 'removed_at'])
        .where('id', 'in', [danaId, ids['lee@contoso.example']!])
        .orderBy('name')
        .execute();
      const withRoles = [];
      for (const { id, ...row } of rows)
        withRoles.push({ ...row, is_admin: (await profileRoles(db(), id)).is_admin });
      expect(withRoles).toEqual([
        { name: 'Dana Buyer', is_admin: 1, removed_at: null },
        { name: 'Lee Clerk', is_admin: 0, removed_at: null },
      ]);
      expect(
        await db()
          .selectFrom('profiles')
          .select('id')
          .where('email_key', '=', 'sneaky@contoso.example')
          .execute(),
      ).toEqual([]);
      // The same visitor still reads the catalogue: only administration is closed.
      expect((await page(lee, '/resources')).status).toBe(200);
    });

    test("an administrator of one organization can neither see nor change another's profiles", async () => {
      const patId = ids['pat@northwind.example']!;
      for (const path of [`/account/profiles/${patId}`, `/account/profiles/${patId}/remove`]) {
        const { status, html } = await page(dana, path);
        expect(status, path).toBe(404);
        expect(html).not.toContain('pat@northwind.example');
      }
      const actions: [string, Record<string, string>][] = [
        [
          `/account/profiles/${patId}`,
          { name: 'Taken Over', email: 'dana@contoso.example', is_admin: 'yes' },
        ],
        [`/account/profiles/${patId}/invite`, {}],
        [`/account/profiles/${patId}/administrator`, { administrator: 'no' }],
        [`/account/profiles/${patId}/remove`, {}],
      ];
      for (const [path, form] of actions) {
        expect((await post(dana, path, form)).status, path).toBe(404);
      }
      const pat_ = await db()
        .selectFrom('profiles')
        .selectAll()
        .where('id', '=', patId)
        .executeTakeFirstOrThrow();
      expect({ ...pat_, ...(await profileRoles(db(), patId)) }).toMatchObject({
        name: 'Pat Partner',
        email: 'pat@northwind.example',
        is_admin: 1,
        removed_at: null,
      });
      expect(
        await db()
          .selectFrom('outbox')
          .select('id')
          .where('recipient', '=', 'pat@northwind.example')
          .execute(),
      ).toEqual([]);
      expect((await page(dana, '/account/profiles/not-an-id!')).status).toBe(404);
    });

    test("removal ends the removed person's session and revokes their links and open tokens, in one go", async () => {
      await post(dana, '/account/profiles', {
        name: 'Kim Leaver',
        email: 'kim@contoso.example',
        send_invite: 'yes',
      });
      const kimId = await profileIdByEmail('kim@contoso.example');
      const kim = await signedInMember(services, kimId);
      expect((await page(kim, '/resources')).status).toBe(200);
      const openTokens = () =>
        db()
          .selectFrom('association_tokens')
          .select('token_hash')
          .where('profile_id', '=', kimId)
          .where('consumed_at', 'is', null)
          .execute();
      expect(await openTokens()).toHaveLength(1);

      const confirm = await page(dana, `/account/profiles/${kimId}/remove`);
      expect(confirm.status).toBe(200);
      expect(confirm.html).toContain('Remove <strong>Kim Leaver</strong>');
      const removed = await post(dana, `/account/profiles/${kimId}/remove`);
      expect(removed.location).toBe('/account/profiles?done=removed');

      const next = await page(kim, '/resources');
      expect(next.status).toBe(303);
      expect(next.location).toBe('/auth/sign-in?return=%2Fresources');
      expect(
        await db()
          .selectFrom('sessions')
          .select('id_hash')
          .where('subject', '=', kim.identity.subject)
          .execute(),
      ).toEqual([]);
      expect(
        await db().selectFrom('links').select('subject').where('profile_id', '=', kimId).execute(),
      ).toEqual([]);
      expect(await openTokens()).toEqual([]);
      const row = await db()
        .selectFrom('profiles')
        .select('removed_at')
        .where('id', '=', kimId)
        .executeTakeFirstOrThrow();
      expect(row.removed_at).toBeGreaterThan(0);
      expect((await page(dana, '/account/profiles')).html).not.toContain('kim@contoso.example');
      expect((await page(dana, `/account/profiles/${kimId}`)).status).toBe(404);
      // The administrator who removed it is still signed in.
      expect((await page(dana, '/account/profiles')).status).toBe(200);
      const entry = (await auditOf(ids.contoso!)).find((audit) => audit.action === 'admin.profile_removed');
      expect(entry?.actor_profile_id).toBe(ids['dana@contoso.example']);
      expect(JSON.parse(entry!.detail!)).toMatchObject({
        profileId: kimId,
        sessionsEnded: 1,
        linksRemoved: 1,
        tokensRevoked: 1,
      });
    });

    test('removal also ends a session that chose the profile among several, and leaves the Passport its other profiles', async () => {
      const other = await addOrganization(db(), {
        name: 'Litware Partners',
        kind: 'partner',
        plan: null,
        planEndsAt: null,
      });
      const otherProfile = await addProfile(db(), {
        organizationId: other,
        name: 'Jo Two',
        email: 'jo@litware.example',
        isAdmin: true,
      });
      await post(dana, '/account/profiles', { name: 'Jo Two', email: 'jo@contoso.example' });
      const contosoProfile = await profileIdByEmail('jo@contoso.example');
      const jo = await signedInMember(services, contosoProfile);
      await db()
        .insertInto('links')
        .values({ ...jo.identity, profile_id: otherProfile, created_at: Date.now() })
        .execute();
      await db()
        .updateTable('sessions')
        .set({ profile_id: contosoProfile })
        .where('subject', '=', jo.identity.subject)
        .execute();
      expect((await page(jo, '/resources')).status).toBe(200);

      await post(dana, `/account/profiles/${contosoProfile}/remove`);
      expect((await page(jo, '/resources')).location).toBe('/auth/sign-in?return=%2Fresources');
      expect(
        await db()
          .selectFrom('links')
          .select('profile_id')
          .where('subject', '=', jo.identity.subject)
          .execute(),
      ).toEqual([{ profile_id: otherProfile }]);
    });

    test('support finds an organization, names a new administrator, changes the plan, and the log says who', async () => {
      const search = await page(riley, '/support?name=FABRI');
      expect(search.status).toBe(200);
      expect(search.html).toContain(`href="/support/organizations/${ids.fabrikam}"`);
      expect(search.html).not.toContain('Contoso');
      const none = await page(riley, '/support?name=100%25_match');
      expect(none.status).toBe(200);
      expect(none.html).toContain("No organization's name contains");

      const fabrikam = ids.fabrikam!;
      const record = await page(riley, `/support/organizations/${fabrikam}`);
      expect(record.status).toBe(200);
      expect(record.html).toContain('sam@fabrikam.example');
      expect(record.html).toMatch(/Service plan, ended on/);

      // The old administrator left; a colleague with a profile takes over.
      const colleague = await addProfile(db(), {
        organizationId: fabrikam,
        name: 'Val Colleague',
        email: 'val@fabrikam.example',
      });
      const named = await post(riley, `/support/organizations/${fabrikam}/administrator`, {
        profile: colleague,
      });
      expect(named.location).toBe(`/support/organizations/${fabrikam}?done=administrator-named`);
      expect((await profileRoles(db(), colleague)).is_admin).toBe(1);

      // Or a new person, invited at once.
      const added = await post(riley, `/support/organizations/${fabrikam}/administrators`, {
        name: 'Max Successor',
        email: 'max@fabrikam.example',
      });
      expect(added.location).toBe(`/support/organizations/${fabrikam}?done=administrator-added`);
      const max = await db()
        .selectFrom('profiles')
        .selectAll()
        .where('email_key', '=', 'max@fabrikam.example')
        .executeTakeFirstOrThrow();
      expect((await profileRoles(db(), max.id)).is_admin).toBe(1);
      const mail = await services.mailbox.waitFor('max@fabrikam.example', { subject: /invitation/i });
      expect(mail.Text).toContain('Fabrikam Tools');
      const token = new URL(firstLink(mail, `${base}/associate/`)).pathname.split('/').pop()!;
      expect(
        await db()
          .selectFrom('association_tokens')
          .select('profile_id')
          .where('token_hash', '=', hashMailToken(token))
          .executeTakeFirst(),
      ).toEqual({ profile_id: max.id });

      // The plan is renewed: Fabrikam's people are let in again.
      expect((await page(sam, '/resources')).status).toBe(403);
      const lastDay = `${new Date().getUTCFullYear() + 1}-06-30`;
      const renewed = await post(riley, `/support/organizations/${fabrikam}/plan`, {
        plan: 'enhancement',
        plan_ends_at: lastDay,
      });
      expect(renewed.location).toBe(`/support/organizations/${fabrikam}?done=plan`);
      const organization = await db()
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', fabrikam)
        .executeTakeFirstOrThrow();
      expect(organization).toMatchObject({
        plan: 'enhancement',
        plan_ends_at: planEndsAtFromLastDay(lastDay),
      });
      expect((await page(sam, '/resources')).status).toBe(200);
      const after = await page(riley, `/support/organizations/${fabrikam}?done=plan`);
      expect(after.html).toContain(`value="${lastDay}"`);
      expect(after.html).toContain('Riley Support (CustomerSource Support)');

      const audit = await auditOf(fabrikam);
      expect(audit.map((entry) => entry.action)).toEqual([
        'support.administrator_named',
        'support.administrator_added',
        'support.plan_changed',
      ]);
      for (const entry of audit) {
        expect(entry.actor_profile_id).toBe(ids['support@customersource.example']);
        expect(JSON.parse(entry.detail!).by).toMatchObject(riley.identity);
      }
      expect(JSON.parse(audit[2]!.detail!)).toMatchObject({ after: { plan: 'enhancement', lastDay } });

      // An ended plan again closes the door at the next request.
      await post(riley, `/support/organizations/${fabrikam}/plan`, {
        plan: 'service',
        plan_ends_at: '2020-01-31',
      });
      const closed = await page(sam, '/resources');
      expect(closed.status).toBe(403);
      expect(closed.html).toContain('ended on January 31, 2020');
    });

    test('bad input on the support forms: messages next to the fields, 4xx, nothing written', async () => {
      const northwind = ids.northwind!;
      const emptySearch = await page(riley, '/support?name=+');
      expect(emptySearch.status).toBe(400);
      expect(fieldError(emptySearch.html, 'name')).toBe('Organization name is required.');

      const before = await db()
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', northwind)
        .executeTakeFirstOrThrow();
      const badPlan = await post(riley, `/support/organizations/${northwind}/plan`, {
        plan: 'gold',
        plan_ends_at: '2026-02-30',
      });
      expect(badPlan.status).toBe(400);
      expect(fieldError(badPlan.html, 'plan')).toBe('Choose a service plan.');
      expect(fieldError(badPlan.html, 'plan_ends_at')).toBe('Enter a real date between 2000 and 2100.');
      const badFormat = await post(riley, `/support/organizations/${northwind}/plan`, {
        plan: 'support',
        plan_ends_at: '30/06/2027',
      });
      expect(fieldError(badFormat.html, 'plan_ends_at')).toBe('Enter the plan end date as YYYY-MM-DD.');
      expect(badFormat.html).toContain('value="30/06/2027"');
      expect(
        await db()
          .selectFrom('organizations')
          .selectAll()
          .where('id', '=', northwind)
          .executeTakeFirstOrThrow(),
      ).toEqual(before);

      const contoso = ids.contoso!;
      const elsewhere = await post(riley, `/support/organizations/${contoso}/administrator`, {
        profile: ids['pat@northwind.example']!,
      });
      expect(elsewhere.status).toBe(400);
      expect(fieldError(elsewhere.html, 'profile')).toBe('Choose a profile of this organization.');
      const already = await post(riley, `/support/organizations/${contoso}/administrator`, {
        profile: ids['dana@contoso.example']!,
      });
      expect(fieldError(already.html, 'profile')).toBe('Dana Buyer is already an administrator.');
      const nobody = await post(riley, `/support/organizations/${contoso}/administrator`, { profile: '' });
      expect(fieldError(nobody.html, 'profile')).toBe('Choose a profile.');
      expect((await auditOf(contoso)).filter((entry) => entry.action.startsWith('support.'))).toEqual([]);

      const badAdmin = await post(riley, `/support/organizations/${northwind}/administrators`, {
        name: '',
        email: 'nope',
      });
      expect(badAdmin.status).toBe(400);
      expect(fieldError(badAdmin.html, 'name')).toBe('Name is required.');
      expect(fieldError(badAdmin.html, 'email')).toBe('Enter a valid e-mail address.');
      const twice = await post(riley, `/support/organizations/${northwind}/administrators`, {
        name: 'Pat',
        email: 'PAT@northwind.example',
      });
      expect(fieldError(twice.html, 'email')).toMatch(/already has this e-mail address/);
      expect(
        await db().selectFrom('profiles').select('id').where('organization_id', '=', northwind).execute(),
      ).toHaveLength(1);
      expect(await auditOf(northwind)).toEqual([]);

      expect((await page(riley, '/support/organizations/00000000-0000-4000-8000-000000000000')).status).toBe(
        404,
      );
      expect(
        (
          await post(riley, '/support/organizations/00000000-0000-4000-8000-000000000000/plan', {
            plan: 'support',
            plan_ends_at: '2030-01-01',
          })
        ).status,
      ).toBe(404);
    });

    test('support pages are for support staff only', async () => {
      for (const member of [dana, pat]) {
        expect((await page(member, '/support')).status).toBe(403);
        expect((await page(member, `/support/organizations/${ids.contoso}`)).status).toBe(403);
        const change = await post(member, `/support/organizations/${ids.contoso}/plan`, {
          plan: 'service',
          plan_ends_at: '2099-01-01',
        });
        expect(change.status).toBe(403);
      }
      expect(
        (
          await db()
            .selectFrom('organizations')
            .select('plan')
            .where('id', '=', ids.contoso!)
            .executeTakeFirstOrThrow()
        ).plan,
      ).toBe('support');
    });

    test('a form posted from another site is refused and changes nothing', async () => {
      const refused = await post(
        dana,
        '/account/profiles',
        { name: 'Cross Site', email: 'cross@contoso.example' },
        { origin: 'http://evil.example' },
      );
      expect(refused.status).toBe(403);
      expect(
        await db()
          .selectFrom('profiles')
          .select('id')
          .where('email_key', '=', 'cross@contoso.example')
          .execute(),
      ).toEqual([]);
      const same = await post(
        dana,
        '/account/profiles',
        { name: 'Same Site', email: 'same@contoso.example' },
        { origin: new URL(base).origin },
      );
      expect(same.status).toBe(303);
    });

    test('a session of a signed-out browser has no business here', async () => {
      const anonymous = new HttpSession();
      const response = await anonymous.request(`${base}/account/profiles`, {
        form: { name: 'X', email: 'x@contoso.example' },
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/auth/sign-in?return=%2F');
    });
  },
);
