import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson } from '../helpers/accounts.ts';
import {
  addOrganization,
  addProfile,
  followThroughPassport,
  signInToExtranet,
  startIdpAndExtranet,
} from '../helpers/extranet-flow.ts';
import type { HttpSession } from '../helpers/http-session.ts';
import { STORES } from '../helpers/idp.ts';
import { firstLink, type MailMessage } from '../helpers/mailbox.ts';

type Pair = Awaited<ReturnType<typeof startIdpAndExtranet>>;

const THANK_YOU =
  'Thank you. You will be receiving an e-mail that gives you further instructions on how to sign in to this extranet.';
const SUCCESS = 'You have successfully associated your Passport with your profile';

const tag = () => randomBytes(4).toString('hex');

describe.each(STORES)('extranet association, profiles and invites (extranet on %s)', (store) => {
  let pair: Pair;
  let extranetUrl: string;

  beforeAll(async () => {
    pair = await startIdpAndExtranet({ store });
    extranetUrl = pair.extranet.url;
  });

  afterAll(async () => {
    await pair?.close();
  });

  const db = () => pair.extranet.db;

  /** A customer organization with an active plan and the given profiles. */
  async function customer(profiles: { name: string; email: string }[], name = `Contoso ${tag()}`) {
    const organizationId = await addOrganization(db(), { name });
    const ids: string[] = [];
    for (const profile of profiles) ids.push(await addProfile(db(), { organizationId, ...profile }));
    return { name, organizationId, profileIds: ids };
  }

  /** A new Passport, signed in to the extranet: with no profile yet, it lands on the association page. */
  async function newVisitor() {
    const person = await registerPerson(pair.idp);
    const { browser, url, response } = await signInToExtranet({ url: extranetUrl }, person);
    expect(url.pathname).toBe('/associate');
    const html = await response.text();
    const session = await db()
      .selectFrom('sessions')
      .select('subject')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    return { person, browser, html, subject: session.subject };
  }

  type Visit = Awaited<ReturnType<typeof newVisitor>>;

  function ask(browser: HttpSession, email: string) {
    return browser.request(`${extranetUrl}/associate`, { form: { email } });
  }

  /**
   * The person signed in a few seconds before asking: not long ago, but before
   * the link existed (auth_time has whole seconds, so "moments" would be flaky).
   */
  async function signedInBeforeTheLink(subject: string) {
    await db()
      .updateTable('sessions')
      .set((eb) => ({ authenticated_at: eb('authenticated_at', '-', 5_000) }))
      .where('subject', '=', subject)
      .execute();
  }

  async function associationLink(address: string): Promise<string> {
    const mail = await pair.mailbox.waitFor(address, { subject: /Associate your Passport/ });
    return firstLink(mail, `${extranetUrl}/associate/`);
  }

  /** Every mail to `address` once `count` have arrived. */
  async function mailsTo(address: string, count: number): Promise<MailMessage[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const mails = (await pair.mailbox.list()).filter((mail) =>
        mail.To.some((recipient) => recipient.Address.toLowerCase() === address.toLowerCase()),
      );
      if (mails.length >= count) return Promise.all(mails.map((mail) => pair.mailbox.read(mail.ID)));
      if (Date.now() > deadline) throw new Error(`${mails.length} of ${count} mails to ${address} arrived`);
      await delay(50);
    }
  }

  /** Every queued association request has been looked up (and its mail queued): they are resolved after the answer. */
  async function requestsResolved(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await db().selectFrom('association_requests').select('id').execute()).length > 0) {
      if (Date.now() > deadline) throw new Error('association requests still queued');
      await delay(20);
    }
  }

  /** Opens a mailed link the way a person does: through Passport if it asks, then the confirmation button. */
  async function useLink(visit: Pick<Visit, 'browser' | 'person'>, link: string) {
    const opened = await followThroughPassport(visit.browser, link, visit.person);
    const html = await opened.response.text();
    if (opened.response.status !== 200 || !html.includes('Associate my Passport')) {
      return { opened, html, done: undefined };
    }
    const done = await visit.browser.request(link, { form: {} });
    return { opened, html, done, doneHtml: await done.text() };
  }

  async function linkedSubjects(profileId: string) {
    const rows = await db()
      .selectFrom('links')
      .select('subject')
      .where('profile_id', '=', profileId)
      .execute();
    return rows.map((row) => row.subject).sort();
  }

  async function tokenRows(profileId: string) {
    return db().selectFrom('association_tokens').selectAll().where('profile_id', '=', profileId).execute();
  }

  /** A Passport associated with one profile through the mailed link, working in it. */
  async function associatedVisitor(profile: { name: string; email: string }) {
    const company = await customer([profile]);
    const visit = await newVisitor();
    expect((await ask(visit.browser, profile.email)).status).toBe(200);
    await signedInBeforeTheLink(visit.subject);
    const used = await useLink(visit, await associationLink(profile.email));
    expect(used.doneHtml).toContain(SUCCESS);
    return { ...visit, company, profileId: company.profileIds[0]! };
  }

  test('seed 000: ask with the company address, follow the mailed link, sign in again, and the extranet opens with the profile', async () => {
    const address = `Buyer.${tag()}@Contoso.example`;
    const company = await customer([{ name: 'Ada Buyer', email: address }]);
    const visit = await newVisitor();

    expect(visit.html).toContain('<label for="email">E-mail address</label>');
    expect(visit.html).toContain('registered with the company');
    expect(visit.html).toMatch(/<button[^>]*>Continue<\/button>/);

    // Same status and page for a known address (typed differently) and an unknown one.
    const known = await ask(visit.browser, `  ${address.toUpperCase()} `);
    const unknown = await ask(visit.browser, `nobody.${tag()}@contoso.example`);
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const knownHtml = await known.text();
    expect(knownHtml).toContain(THANK_YOU);
    expect(await unknown.text()).toBe(knownHtml);

    // Passport's own session is alive: a plain sign-in goes through without the password.
    const silent = await signInToExtranet({ url: extranetUrl }, visit.person, {
      browser: visit.browser,
      returnTo: '/associate',
    });
    expect(silent.askedForPassword).toBe(false);

    const mail = await pair.mailbox.waitFor(address, { subject: /Associate your Passport/ });
    expect(mail.Text).toContain('Ada Buyer');
    const link = firstLink(mail, `${extranetUrl}/associate/`);
    const [token] = await tokenRows(company.profileIds[0]!);
    expect(token).toMatchObject({ purpose: 'association', bound_subject: visit.subject, consumed_at: null });
    expect(token!.expires_at - token!.created_at).toBe(72 * 60 * 60 * 1000);
    expect(link).not.toContain(token!.token_hash);

    await signedInBeforeTheLink(visit.subject);
    const used = await useLink(visit, link);
    expect(used.opened.askedForPassword).toBe(true);
    expect(used.opened.url.href).toBe(link);
    expect(used.html).toContain(company.name);
    expect(used.done!.status).toBe(200);
    expect(used.doneHtml).toContain(SUCCESS);
    expect(used.doneHtml).toContain('href="/"');

    expect(await linkedSubjects(company.profileIds[0]!)).toEqual([visit.subject]);
    const audit = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('actor_profile_id', '=', company.profileIds[0]!)
      .execute();
    expect(audit.map((entry) => entry.action)).toEqual(['profile.associated']);

    // The extranet opens in the profile.
    const profile = await visit.browser.request(`${extranetUrl}/profile`);
    expect(profile.status).toBe(200);
    const profileHtml = await profile.text();
    expect(profileHtml).toContain('Ada Buyer');
    expect(profileHtml).toContain(company.name);

    // The next visit goes straight in, past the association page.
    const next = await signInToExtranet({ url: extranetUrl }, visit.person, {
      stopAt: (location) => location.pathname === '/resources',
    });
    expect(next.url.pathname).toBe('/resources');
  });

  test('a link works once, even when two requests race for it', async () => {
    const address = `twice.${tag()}@fabrikam.example`;
    const company = await customer([{ name: 'Tom Twice', email: address }]);
    const visit = await newVisitor();
    await ask(visit.browser, address);
    await signedInBeforeTheLink(visit.subject);
    const link = await associationLink(address);
    const opened = await followThroughPassport(visit.browser, link, visit.person);
    expect(await opened.response.text()).toContain('Associate my Passport');

    const racing = await Promise.all([
      visit.browser.request(link, { form: {} }),
      visit.browser.request(link, { form: {} }),
    ]);
    expect(racing.map((response) => response.status).sort()).toEqual([200, 410]);

    const again = await visit.browser.request(link, { form: {} });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already been used');
    const reopened = await visit.browser.request(link);
    expect(reopened.status).toBe(410);
    expect(await linkedSubjects(company.profileIds[0]!)).toEqual([visit.subject]);
    const audit = await db()
      .selectFrom('audit_log')
      .select('action')
      .where('actor_profile_id', '=', company.profileIds[0]!)
      .execute();
    expect(audit).toHaveLength(1);
  });

  test('a link opened by a different Passport is refused and changes nothing; the one that asked can still use it', async () => {
    const address = `shared.${tag()}@fabrikam.example`;
    const company = await customer([{ name: 'Sam Shared', email: address }]);
    const asker = await newVisitor();
    await ask(asker.browser, address);
    const link = await associationLink(address);

    const stranger = await newVisitor();
    await signedInBeforeTheLink(stranger.subject);
    const opened = await followThroughPassport(stranger.browser, link, stranger.person);
    expect(opened.askedForPassword).toBe(true);
    expect(opened.response.status).toBe(403);
    const html = await opened.response.text();
    expect(html).toContain('This link was requested by a different Passport');
    expect(html).toContain('role="alert"');

    const forced = await stranger.browser.request(link, { form: {} });
    expect(forced.status).toBe(403);
    expect(await forced.text()).toContain('This link was requested by a different Passport');
    expect(await linkedSubjects(company.profileIds[0]!)).toEqual([]);
    expect((await tokenRows(company.profileIds[0]!))[0]!.consumed_at).toBeNull();

    await signedInBeforeTheLink(asker.subject);
    expect((await useLink(asker, link)).doneHtml).toContain(SUCCESS);
    expect(await linkedSubjects(company.profileIds[0]!)).toEqual([asker.subject]);
  });

  test('a link is spent only after a fresh sign-in: an older session is sent to Passport and nothing changes', async () => {
    const address = `fresh.${tag()}@fabrikam.example`;
    const company = await customer([{ name: 'Fay Fresh', email: address }]);
    const visit = await newVisitor();
    await ask(visit.browser, address);
    const link = await associationLink(address);
    await signedInBeforeTheLink(visit.subject);

    const post = await visit.browser.request(link, { form: {} });
    expect(post.status).toBe(303);
    const signIn = new URL(post.headers.get('location')!, extranetUrl);
    expect(signIn.pathname).toBe('/auth/sign-in');
    expect(signIn.searchParams.get('fresh')).toBe('1');
    expect(signIn.searchParams.get('return')).toBe(new URL(link).pathname);
    // The extranet asks Passport for the password again.
    const authorize = await visit.browser.request(signIn);
    expect(new URL(authorize.headers.get('location')!).searchParams.get('prompt')).toBe('login');
    expect((await tokenRows(company.profileIds[0]!))[0]!.consumed_at).toBeNull();
    expect(await linkedSubjects(company.profileIds[0]!)).toEqual([]);

    // Signed out entirely, the link also starts with Passport.
    const signedOut = await fetch(link, { redirect: 'manual' });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe(`/auth/sign-in?fresh=1&return=${new URL(link).pathname}`);
  });

  test('an expired link gets a clear page and changes nothing', async () => {
    const address = `late.${tag()}@fabrikam.example`;
    const company = await customer([{ name: 'Lee Late', email: address }]);
    const visit = await newVisitor();
    await ask(visit.browser, address);
    const link = await associationLink(address);
    await db()
      .updateTable('association_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('profile_id', '=', company.profileIds[0]!)
      .execute();

    const opened = await visit.browser.request(link);
    expect(opened.status).toBe(410);
    expect(await opened.text()).toContain('expired');
    const posted = await visit.browser.request(link, { form: {} });
    expect(posted.status).toBe(410);
    expect(await linkedSubjects(company.profileIds[0]!)).toEqual([]);
  });

  test.each([
    ['garbage', '/associate/not-a-token'],
    ['a well-formed token nobody issued', `/associate/${randomBytes(32).toString('base64url')}`],
    ['odd characters', '/associate/%00%3Cscript%3E'],
  ])('a link with %s gets a clear 404', async (_name, path) => {
    for (const method of ['GET', 'POST']) {
      const response = await fetch(`${extranetUrl}${path}`, {
        method,
        redirect: 'manual',
        ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      });
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('This link is not valid');
    }
  });

  test('seed 001: an address with two profiles gets two mails, both link, and the front door then shows a chooser; the header switches profiles', async () => {
    const address = `Multi.${tag()}@contoso.example`;
    const first = await customer([{ name: 'Max Multi', email: address }], `Alpha ${tag()}`);
    const second = await customer([{ name: 'Max M.', email: address.toLowerCase() }], `Beta ${tag()}`);
    const visit = await newVisitor();
    await ask(visit.browser, address);

    const mails = await mailsTo(address, 2);
    expect(mails).toHaveLength(2);
    const links = mails.map((mail) => firstLink(mail, `${extranetUrl}/associate/`));
    expect(new Set(links).size).toBe(2);
    await signedInBeforeTheLink(visit.subject);
    const firstUse = await useLink(visit, links[0]!);
    expect(firstUse.opened.askedForPassword).toBe(true);
    expect(firstUse.doneHtml).toContain(SUCCESS);
    // Just signed in again after both links were sent: the second goes straight to its button.
    const secondUse = await useLink(visit, links[1]!);
    expect(secondUse.opened.askedForPassword).toBe(false);
    expect(secondUse.doneHtml).toContain(SUCCESS);
    expect(await linkedSubjects(first.profileIds[0]!)).toEqual([visit.subject]);
    expect(await linkedSubjects(second.profileIds[0]!)).toEqual([visit.subject]);

    // A new visit: the front door asks which profile.
    const next = await signInToExtranet({ url: extranetUrl }, visit.person);
    expect(next.url.pathname).toBe('/profiles/choose');
    const chooser = await next.response.text();
    expect(chooser).toContain(first.name);
    expect(chooser).toContain(second.name);
    expect(chooser).toContain('Max Multi');

    const chosen = await next.browser.request(`${extranetUrl}/profiles/choose`, {
      form: { profile: first.profileIds[0]! },
    });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')).toBe('/');
    const inFirst = await (await next.browser.request(`${extranetUrl}/profile`)).text();
    expect(inFirst).toContain(first.name);
    expect(inFirst).toMatch(/<a href="\/profiles\/choose">Switch profile/);

    // Switching from the header, without signing out.
    expect((await next.browser.request(`${extranetUrl}/profiles/choose`)).status).toBe(200);
    await next.browser.request(`${extranetUrl}/profiles/choose`, {
      form: { profile: second.profileIds[0]! },
    });
    const inSecond = await (await next.browser.request(`${extranetUrl}/profile`)).text();
    expect(inSecond).toContain(second.name);
    expect(inSecond).toContain('Max M.');
  });

  test('only a profile linked to the visitor can be chosen', async () => {
    const someoneElse = await customer([{ name: 'Oscar Other', email: `other.${tag()}@example.test` }]);
    const visit = await newVisitor();
    const refused = await visit.browser.request(`${extranetUrl}/profiles/choose`, {
      form: { profile: someoneElse.profileIds[0]! },
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('associated with your Passport');
    const missing = await visit.browser.request(`${extranetUrl}/profiles/choose`, { form: {} });
    expect(missing.status).toBe(400);
    const sessions = await db()
      .selectFrom('sessions')
      .select('profile_id')
      .where('subject', '=', visit.subject)
      .execute();
    expect(sessions.every((session) => session.profile_id === null)).toBe(true);
  });

  test('Send Invite E-mail moves the profile to another Passport: the old one loses it and its session in it ends', async () => {
    const address = `mover.${tag()}@contoso.example`;
    const old = await associatedVisitor({ name: 'Mia Mover', email: address });

    const profilePage = await old.browser.request(`${extranetUrl}/profile`);
    const profileHtml = await profilePage.text();
    for (const text of [
      'Mia Mover',
      address,
      old.company.name,
      'Administrator',
      'Enhancement plan',
      'Last day of the plan',
    ]) {
      expect(profileHtml).toContain(text);
    }
    expect(profileHtml).toMatch(/<button[^>]*>Send Invite E-mail<\/button>/);

    const sent = await old.browser.request(`${extranetUrl}/profile/invite`, { form: {} });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain(address);
    const invite = await pair.mailbox.waitFor(address, { subject: /invitation/ });
    const link = firstLink(invite, `${extranetUrl}/associate/`);

    const newcomer = await newVisitor();
    await signedInBeforeTheLink(newcomer.subject);
    const used = await useLink(newcomer, link);
    expect(used.opened.askedForPassword).toBe(true);
    expect(used.html).toContain('will no longer open this profile');
    expect(used.doneHtml).toContain(SUCCESS);
    expect(await linkedSubjects(old.profileId)).toEqual([newcomer.subject]);

    // The old Passport's session in that profile has ended...
    const oldAgain = await old.browser.request(`${extranetUrl}/profile`);
    expect(oldAgain.status).toBe(303);
    expect(new URL(oldAgain.headers.get('location')!, extranetUrl).searchParams.get('return')).toBe(
      '/profile',
    );
    // ...and signing in again, it no longer has the profile.
    const back = await signInToExtranet({ url: extranetUrl }, old.person, { browser: old.browser });
    expect(back.url.pathname).toBe('/associate');

    const newcomerProfile = await newcomer.browser.request(`${extranetUrl}/profile`);
    expect(await newcomerProfile.text()).toContain('Mia Mover');
    const audit = await db()
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('actor_profile_id', '=', old.profileId)
      .orderBy('at')
      .execute();
    expect(audit.map((entry) => entry.action)).toEqual([
      'profile.associated',
      'profile.invite_sent',
      'profile.reassociated',
    ]);
    expect(JSON.parse(audit[2]!.detail!)).toMatchObject({ subject: newcomer.subject, removedLinks: 1 });
  });

  test('Send Invite E-mail is limited per profile: 429 and no mail', async () => {
    const address = `often.${tag()}@contoso.example`;
    const visit = await associatedVisitor({ name: 'Otto Often', email: address });
    const invites = async () =>
      (
        await db()
          .selectFrom('association_tokens')
          .select('token_hash')
          .where('profile_id', '=', visit.profileId)
          .where('purpose', '=', 'invite')
          .execute()
      ).length;
    for (let request = 0; request < 5; request++) {
      expect((await visit.browser.request(`${extranetUrl}/profile/invite`, { form: {} })).status).toBe(200);
    }
    const tooMany = await visit.browser.request(`${extranetUrl}/profile/invite`, { form: {} });
    expect(tooMany.status).toBe(429);
    expect(await tooMany.text()).toContain('Too many invite e-mails');
    expect(await invites()).toBe(5);
  });

  test('association requests are limited per address and per Passport: 429 and no mail', async () => {
    const address = `busy.${tag()}@contoso.example`;
    await customer([{ name: 'Bea Busy', email: address }]);
    const outboxTo = async (to: string) =>
      (await db().selectFrom('outbox').select('id').where('recipient', '=', to).execute()).length;

    const first = await newVisitor();
    for (let request = 0; request < 3; request++)
      expect((await ask(first.browser, address)).status).toBe(200);
    const tooMany = await ask(first.browser, address);
    expect(tooMany.status).toBe(429);
    expect(await tooMany.text()).toContain('Too many association e-mails');
    await requestsResolved();
    expect(await outboxTo(address)).toBe(3);
    // Another Passport asking for the same address is held back as well.
    const second = await newVisitor();
    expect((await ask(second.browser, address.toUpperCase())).status).toBe(429);
    await requestsResolved();
    expect(await outboxTo(address)).toBe(3);

    // One Passport asking for many addresses.
    const third = await newVisitor();
    const other = `spread.${tag()}@contoso.example`;
    await customer([{ name: 'Sid Spread', email: other }]);
    for (let request = 0; request < 5; request++) {
      expect((await ask(third.browser, `nobody.${request}.${tag()}@contoso.example`)).status).toBe(200);
    }
    expect((await ask(third.browser, other)).status).toBe(429);
    await requestsResolved();
    expect(await outboxTo(other)).toBe(0);
  });

  test('bad input gets a clear message next to the field, a 4xx, and writes nothing', async () => {
    const visit = await newVisitor();
    await requestsResolved();
    const before = await db().selectFrom('outbox').select('id').execute();
    const counted = () => db().selectFrom('throttle_counters').selectAll().orderBy('key').execute();
    const countersBefore = await counted();
    const post = (body: string, headers: Record<string, string> = {}) =>
      visit.browser.request(`${extranetUrl}/associate`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    const cases: [string, string][] = [
      ['email=', 'E-mail address is required.'],
      ['', 'E-mail address is required.'],
      ['email=not-an-address', 'Enter a valid e-mail address.'],
      [`email=${'a'.repeat(250)}%40example.test`, 'too long'],
      ['email=bad%01%40example.test', 'not valid text'],
      ['email=%FF%FE%40example.test', 'not valid text'],
      ['email=a%0A%40example.test', 'must be on one line, without line breaks or tabs'],
      ['email=a%0D%40example.test', 'must be on one line, without line breaks or tabs'],
      ['email=a%09%40example.test', 'must be on one line, without line breaks or tabs'],
      ['email=%E2%80%AEa%40example.test', 'change the direction of the text'],
      ['email=a%E2%81%A6%40example.test', 'change the direction of the text'],
      ['email=a%E2%80%8F%40example.test', 'change the direction of the text'],
      ['email=a%40example.test&email=b%40example.test', 'E-mail address'],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain('id="email-error"');
      expect(html).toContain(message);
      expect(html).toContain('aria-invalid="true"');
    }
    const json = await visit.browser.request(`${extranetUrl}/associate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.test' }),
    });
    expect(json.status).toBe(415);
    const crossSite = await post('email=a%40example.test', { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(await db().selectFrom('outbox').select('id').execute()).toEqual(before);
    // Not even counted as a request, let alone queued.
    expect(await counted()).toEqual(countersBefore);
    expect(
      await db()
        .selectFrom('association_tokens')
        .select('token_hash')
        .where('bound_subject', '=', visit.subject)
        .execute(),
    ).toEqual([]);

    // Pages that need a visitor, or a chosen profile.
    for (const path of ['/associate', '/profile', '/profiles/choose']) {
      const signedOut = await fetch(`${extranetUrl}${path}`, { redirect: 'manual' });
      expect(signedOut.status).toBe(303);
      const signIn = new URL(signedOut.headers.get('location')!, extranetUrl);
      expect(signIn.pathname).toBe('/auth/sign-in');
      expect(signIn.searchParams.get('return')).toBe(path);
    }
    const noProfile = await visit.browser.request(`${extranetUrl}/profile`);
    expect(noProfile.headers.get('location')).toBe('/');
    const noInvite = await visit.browser.request(`${extranetUrl}/profile/invite`, { form: {} });
    expect(noInvite.headers.get('location')).toBe('/');
    const chooseNothing = await visit.browser.request(`${extranetUrl}/profiles/choose`);
    expect(chooseNothing.headers.get('location')).toBe('/associate');
  });
});
