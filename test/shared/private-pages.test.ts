import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import {
  addOrganization,
  addProfile,
  followThroughPassport,
  signInToExtranet,
  startIdpAndExtranet,
} from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { firstLink } from '../helpers/mailbox.ts';

type Pair = Awaited<ReturnType<typeof startIdpAndExtranet>>;

/**
 * Pages that show a person's data must not stay in a browser's or a proxy's
 * cache: the next person at a shared computer, or the back button after
 * signing out, would see them. Every answer on the way is checked, redirects
 * and refusals included.
 */
describe('signed-in and personal pages are never stored by a cache', () => {
  let pair: Pair;
  let person: TestPerson;

  beforeAll(async () => {
    pair = await startIdpAndExtranet();
    person = await registerPerson(pair.idp);
  });
  afterAll(async () => pair?.close());

  function expectNoStore(response: Response, what: string) {
    expect(response.headers.get('cache-control'), what).toBe('no-store');
  }

  /** Requests `path` and checks the answer, whatever its status. */
  async function visit(browser: HttpSession, url: string, init: { form?: Record<string, string> } = {}) {
    const response = await browser.request(url, init);
    expectNoStore(response, `${init.form ? 'POST' : 'GET'} ${url} (${response.status})`);
    return response;
  }

  test('Passport: the sign-in pages, account services, security key and password reset', async () => {
    const idp = pair.idp.issuer;
    const browser = new HttpSession();
    const toSignIn = await visit(browser, `${idp}/account`);
    expect(toSignIn.status).toBe(303);
    const { url: signInPage } = await browser.follow(toSignIn.headers.get('location')!);
    expect(signInPage.pathname).toMatch(/^\/interaction\//);
    await visit(browser, signInPage.href);
    await visit(browser, `${signInPage.href}/forgot-password`);
    const refused = await visit(browser, `${signInPage.href}/login`, {
      form: { email: person.email, password: 'Not-the-password-1' },
    });
    expect(refused.status).toBe(401);
    const signedIn = await visit(browser, `${signInPage.href}/login`, {
      form: { email: person.email, password: person.password },
    });
    const landed = await browser.follow(new URL(signedIn.headers.get('location')!, idp));
    expect(landed.url.pathname).toBe('/account');

    for (const path of [
      '/account',
      '/account/confirm?return=%2Faccount',
      '/account/email',
      '/account/password',
      '/account/alternate-email',
      '/account/address',
      '/account/personal',
      '/account/secret-question',
      '/account/remembered-accounts',
      '/account/activity',
      '/account/security-key',
      '/password/reset',
      '/password/reset/email',
      '/password/reset/answer',
      // oidc-provider's own page, outside ours: it says no-store itself.
      '/session/end',
      '/',
    ]) {
      await visit(browser, `${idp}${path}`);
    }
    const badInput = await visit(browser, `${idp}/account/personal`, { form: {} });
    expect(badInput.status).toBe(400);
    const account = await visit(browser, `${idp}/account`);
    expect(await account.text()).toContain(person.email);

    // Assets hold nothing personal and stay cacheable.
    const css = await fetch(`${idp}/assets/site.css`);
    expect(css.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });

  test('the extranet: association, the profile, resources and the organization pages', async () => {
    const extranet = pair.extranet.url;
    const address = `private.${Date.now()}@contoso.example`;
    const organizationId = await addOrganization(pair.extranet.db, { name: 'Contoso Private' });
    await addProfile(pair.extranet.db, {
      organizationId,
      name: 'Pat Private',
      email: address,
      isAdmin: true,
    });

    const { browser, url, response } = await signInToExtranet({ url: extranet }, person);
    expect(url.pathname).toBe('/associate');
    expectNoStore(response, 'the association page after sign-in');
    await visit(browser, `${extranet}/associate`);
    const refused = await visit(browser, `${extranet}/associate`, { form: { email: 'not-an-address' } });
    expect(refused.status).toBe(400);
    const sent = await visit(browser, `${extranet}/associate`, { form: { email: address } });
    expect(sent.status).toBe(200);

    const mail = await pair.mailbox.waitFor(address, { subject: /Associate your Passport/ });
    const link = firstLink(mail, `${extranet}/associate/`);
    await visit(browser, link);
    const opened = await followThroughPassport(browser, link, person);
    expect(await opened.response.text()).toContain('Associate my Passport');
    expectNoStore(opened.response, 'the association link page');
    const done = await visit(browser, link, { form: {} });
    expect(done.status).toBe(200);
    await visit(browser, `${extranet}/associate/not-a-token`);

    const profile = await visit(browser, `${extranet}/profile`);
    expect(await profile.text()).toContain('Pat Private');
    for (const path of [
      '/',
      '/resources',
      '/profiles/choose',
      '/account',
      '/account/profiles',
      '/account/profiles/new',
      '/support',
    ]) {
      await visit(browser, `${extranet}${path}`);
    }
    const signedOut = await visit(new HttpSession(), `${extranet}/profile`);
    expect(signedOut.status).toBe(303);

    const css = await fetch(`${extranet}/assets/site.css`);
    expect(css.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });
});
