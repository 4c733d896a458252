import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accountClientMetadata } from '../../idp/account-services/sign-in.ts';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';
import { rewriteSession, storedSessions } from '../helpers/stored-state.ts';

const SECRET = 'sessions-and-consents-secret-0123456789';
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

describe('sessions and the sites a person allowed', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    const issuer = `http://localhost:${await freePort()}`;
    const site = (client_id: string, client_name: string, first_party: boolean) => ({
      client_id,
      client_secret: SECRET,
      client_name,
      first_party,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    idp = await startTestIdp({
      env: { IDP_ISSUER: issuer },
      clients: [
        accountClientMetadata(issuer),
        site('home', 'Home Site', true),
        site('partner', 'Partner Portal', false),
        site('other-partner', 'Other Partner', false),
      ],
    });
  });
  afterAll(async () => idp?.close());

  const url = (path: string) => `${idp.issuer}${path}`;

  async function accountIdOf(person: TestPerson) {
    const row = await idp.db
      .selectFrom('accounts')
      .select('id')
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function sessionsOf(person: TestPerson) {
    return storedSessions(idp, await accountIdOf(person));
  }

  async function consentedSites(person: TestPerson) {
    const rows = await idp.db
      .selectFrom('consents')
      .select('client_id')
      .where('account_id', '=', await accountIdOf(person))
      .execute();
    return rows.map((row) => row.client_id).sort();
  }

  /** Where an authorization request for `clientId` stops in this browser: the site, or a Passport page. */
  async function authorize(browser: HttpSession, clientId: string) {
    const config = await discover(idp.issuer, clientId, SECRET);
    const { url: start } = await authorizationRequest(config);
    const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);
    const step = await browser.follow(start, {}, atCallback);
    return { atSite: atCallback(step.url), html: atCallback(step.url) ? '' : await step.response.text() };
  }

  async function signInToAccount(person: TestPerson, browser = new HttpSession()) {
    const signInPage = await browser.follow(url('/account'));
    await browser.follow(`${signInPage.url.origin}${signInPage.url.pathname}/login`, {
      form: { email: person.email, password: person.password },
    });
    return browser;
  }

  test('a session without "Sign me in automatically" is kept an hour of inactivity, not 30 days', async () => {
    const person = await registerPerson(idp);
    await signIn(await discover(idp.issuer, 'home', SECRET), new HttpSession(), person);
    const after = Date.now();
    const [session] = await sessionsOf(person);
    expect(session!.expiresAt!).toBeLessThanOrEqual(after + HOUR_MS);
  });

  test('a session with "Sign me in automatically" is kept for the remembered days', async () => {
    const person = await registerPerson(idp);
    const before = Date.now();
    await signIn(await discover(idp.issuer, 'home', SECRET), new HttpSession(), person, { remember: true });
    const [session] = await sessionsOf(person);
    expect(session!.expiresAt! - before).toBeGreaterThan(29 * DAY_MS);
  });

  test('use keeps a session alive, but never past 12 hours after the sign-in', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    await signIn(await discover(idp.issuer, 'home', SECRET), browser, person);
    const [session] = await sessionsOf(person);
    // The sign-in happened eleven and a half hours ago.
    await rewriteSession(idp, session!, (payload) => {
      payload.loginTs = Math.floor((Date.now() - 11.5 * HOUR_MS) / 1000);
    });

    expect((await authorize(browser, 'home')).atSite).toBe(true);
    const after = Date.now();
    const [used] = await sessionsOf(person);
    expect(used!.expiresAt!).toBeLessThanOrEqual(after + HOUR_MS / 2);
  });

  test('"Sign out everywhere" also forgets every site the person allowed', async () => {
    const person = await registerPerson(idp);
    await signIn(await discover(idp.issuer, 'partner', SECRET), new HttpSession(), person);
    expect(await consentedSites(person)).toEqual(['partner']);

    const browser = await signInToAccount(person);
    const signedOut = await browser.request(url('/account/sign-out-everywhere'), { method: 'POST' });
    expect(signedOut.status).toBe(200);
    expect(await consentedSites(person)).toEqual([]);

    const again = new HttpSession();
    await signInToAccount(person, again);
    const next = await authorize(again, 'partner');
    expect(next.atSite).toBe(false);
    expect(next.html).toContain('Partner Portal</strong> wants to');
  });

  test('"Sites you have allowed" lists them and withdraws one, with its tokens', async () => {
    const person = await registerPerson(idp);
    const partner = await signIn(await discover(idp.issuer, 'partner', SECRET), new HttpSession(), person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    await signIn(await discover(idp.issuer, 'other-partner', SECRET), new HttpSession(), person);
    const browser = await signInToAccount(person);

    const home = await (await browser.request(url('/account'))).text();
    expect(home).toContain('<a href="/account/sites">Sites you have allowed</a>');
    const allowedPart = (html: string) => html.slice(0, html.indexOf('Sites you have used'));
    const listed = allowedPart(await (await browser.request(url('/account/sites'))).text());
    expect(listed).toContain('Partner Portal');
    expect(listed).toContain('Other Partner');
    expect(listed).not.toContain('Home Site');

    const withdrawn = await browser.request(url('/account/sites/withdraw'), { form: { site: 'partner' } });
    expect(withdrawn.status).toBe(303);
    const after = allowedPart(await (await browser.request(url('/account/sites'))).text());
    expect(after).not.toContain('Partner Portal');
    expect(after).toContain('Other Partner');
    expect(await consentedSites(person)).toEqual(['other-partner']);

    const config = await discover(idp.issuer, 'partner', SECRET);
    const userinfo = await fetch(url('/me'), {
      headers: { authorization: `Bearer ${partner.access_token}` },
    });
    expect(userinfo.status).toBe(401);
    await expect(oidc.refreshTokenGrant(config, partner.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const next = await authorize(browser, 'partner');
    expect(next.atSite).toBe(false);
    expect(next.html).toContain('Partner Portal</strong> wants to');
  });

  test('"Sites you have used" lists every site signed in to, first-party and single sign-on included', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    await signIn(await discover(idp.issuer, 'partner', SECRET), browser, person);
    // The same browser goes on to a first-party site: Passport's session answers, no password typed.
    expect((await authorize(browser, 'home')).atSite).toBe(true);
    const account = await signInToAccount(person);

    const page = await (await account.request(url('/account/sites'))).text();
    const used = page.slice(page.indexOf('Sites you have used'));
    expect(used).toContain('<strong>Home Site</strong>');
    expect(used).toContain('<strong>Partner Portal</strong>');
    expect(used).not.toContain('Other Partner');
    // Passport's own account pages are not a site of the network.
    expect(used).not.toContain('Passport account</strong>');
    const rows = await idp.db
      .selectFrom('site_uses')
      .select('client_id')
      .where('account_id', '=', await accountIdOf(person))
      .orderBy('client_id')
      .execute();
    expect(rows.map((row) => row.client_id)).toEqual(['home', 'partner', 'passport-account']);
  });

  test('a site used again the same day costs no write', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    await signIn(await discover(idp.issuer, 'home', SECRET), browser, person);
    const before = await idp.db
      .selectFrom('site_uses')
      .select('last_used_at')
      .where('account_id', '=', await accountIdOf(person))
      .executeTakeFirstOrThrow();
    expect((await authorize(browser, 'home')).atSite).toBe(true);
    const after = await idp.db
      .selectFrom('site_uses')
      .select('last_used_at')
      .where('account_id', '=', await accountIdOf(person))
      .executeTakeFirstOrThrow();
    expect(after.last_used_at).toBe(before.last_used_at);
  });

  test('withdrawing a site that was never allowed changes nothing and says so', async () => {
    const person = await registerPerson(idp);
    const browser = await signInToAccount(person);
    const response = await browser.request(url('/account/sites/withdraw'), {
      form: { site: 'x'.repeat(5000) },
    });
    expect(response.status).toBe(400);
  });

  test('the consent page says where the decision can be withdrawn', async () => {
    const person = await registerPerson(idp);
    const browser = await signInToAccount(person);
    const page = await authorize(browser, 'other-partner');
    expect(page.html).toContain('Sites you have allowed');
  });
});
