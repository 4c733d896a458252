import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { type ApacheSite, planApacheSite } from '../helpers/mod-auth-openidc.ts';
import { expectHeading } from '../helpers/pages.ts';

const INITIAL_ACCESS_TOKEN = 'apache-initial-access-token-0123456789';
const STATIC_NAME = 'Apache Intranet';
const DYNAMIC_NAME = 'Apache Self-Registered Intranet';
const NOTIFIED_NAME = 'Apache Wiki';

/**
 * A relying party we did not write: Apache httpd with Debian's mod_auth_openidc
 * signs people in with Passport (code flow, PKCE S256, userinfo) and signs them
 * out again (RP-initiated logout with id_token_hint and post_logout_redirect_uri),
 * first as a client the IdP was configured with, then as one that found the IdP
 * by discovery and registered itself.
 */
describe('Apache httpd with mod_auth_openidc as a relying party', () => {
  let idp: TestIdp;
  let configured: ApacheSite;
  let registered: ApacheSite;
  let notified: ApacheSite;

  beforeAll(async () => {
    configured = await planApacheSite();
    // mod_auth_openidc registers its redirect address as initiate_login_uri too, which
    // OpenID Connect Registration 1.0 requires to be https: a self-registering
    // mod_auth_openidc needs TLS, as it would anywhere off this machine.
    registered = await planApacheSite({ tls: true });
    notified = await planApacheSite();
    idp = await startTestIdp({
      initialAccessToken: INITIAL_ACCESS_TOKEN,
      clients: [
        {
          client_id: 'apache',
          client_secret: 'apache-static-client-secret-0123456789',
          client_name: STATIC_NAME,
          redirect_uris: [configured.redirectUri],
          post_logout_redirect_uris: [configured.signedOutUrl],
        },
        {
          client_id: 'apache-wiki',
          client_secret: 'apache-wiki-client-secret-0123456789',
          client_name: NOTIFIED_NAME,
          redirect_uris: [notified.redirectUri],
          backchannel_logout_uri: notified.backchannelLogoutUri,
          backchannel_logout_session_required: true,
        },
      ],
    });
    await configured.start({
      issuer: idp.issuer,
      client: { kind: 'static', clientId: 'apache', clientSecret: 'apache-static-client-secret-0123456789' },
    });
    await registered.start({
      issuer: idp.issuer,
      client: { kind: 'dynamic', initialAccessToken: INITIAL_ACCESS_TOKEN, clientName: DYNAMIC_NAME },
    });
    await notified.start({
      issuer: idp.issuer,
      client: {
        kind: 'static',
        clientId: 'apache-wiki',
        clientSecret: 'apache-wiki-client-secret-0123456789',
      },
    });
  });

  afterAll(async () => {
    await configured?.close();
    await registered?.close();
    await notified?.close();
    await idp?.close();
  });

  const cases = [
    { client: 'configured at the IdP', site: () => configured, name: STATIC_NAME, discovers: false },
    { client: 'registered dynamically', site: () => registered, name: DYNAMIC_NAME, discovers: true },
  ];

  test.each(cases)(
    'a client $client signs in with PKCE, shows the person and signs out at Passport',
    async ({ site: which, name, discovers }) => {
      const site = which();
      const person = await registerPerson(idp);
      const browser = await openBrowser({ ignoreHttpsErrors: site.origin.startsWith('https:') });
      try {
        const page = await browser.page();
        const authorizationRequests: URL[] = [];
        page.on('request', (request) => {
          const url = new URL(request.url());
          if (url.origin === idp.issuer && url.pathname === '/auth') authorizationRequests.push(url);
        });

        await openProtected(page, site, idp, discovers);
        await signIn(page, person);
        await expectHeading(page, 'Allow access?');
        expect(await page.locator('main').textContent()).toContain(name);
        await page.getByRole('button', { name: 'Allow' }).click();

        await page.waitForURL(site.protectedUrl);
        await expectHeading(page, 'Intranet');
        expect(await page.locator('#email').textContent()).toBe(person.email);
        const subject = await page.locator('#sub').textContent();
        expect(subject).toMatch(/\S/);
        expect(subject).not.toContain(person.email);

        const authorization = authorizationRequests[0]!.searchParams;
        expect(authorization.get('code_challenge_method')).toBe('S256');
        expect(authorization.get('code_challenge')).toMatch(/^[\w-]{43}$/);
        expect(authorization.get('redirect_uri')).toBe(site.redirectUri);

        // mod_auth_openidc ends its session, then sends the browser to Passport's end-session endpoint.
        const endSessionRequests: URL[] = [];
        page.on('request', (request) => {
          const url = new URL(request.url());
          if (url.origin === idp.issuer && url.pathname === '/session/end') endSessionRequests.push(url);
        });
        await page.goto(site.logoutUrl);
        await expectHeading(page, 'Sign out');
        await expect(page.getByRole('button', { name: `Sign out of ${name} only` }).count()).resolves.toBe(1);
        await page.getByRole('button', { name: 'Sign out of Passport and all sites' }).click();
        await page.waitForURL(site.signedOutUrl);
        await expectHeading(page, 'Signed out of the intranet');

        const endSession = endSessionRequests[0]!.searchParams;
        expect(endSession.get('id_token_hint')).toBeTruthy();
        expect(endSession.get('post_logout_redirect_uri')).toBe(site.signedOutUrl);

        // Both sessions are gone: the protected page asks for a password again.
        await openProtected(page, site, idp, discovers);
        await expectHeading(page, 'Sign in');
        await expect(page.getByLabel('Password', { exact: true }).count()).resolves.toBe(1);
      } catch (error) {
        throw new Error(`${(error as Error).message}\nApache's error log:\n${await site.errorLog()}`);
      } finally {
        await browser.close();
      }
    },
  );

  test("signing out at Passport itself ends mod_auth_openidc's session by back-channel logout", async () => {
    const person = await registerPerson(idp);
    const browser = await openBrowser();
    try {
      const page = await browser.page();
      await openProtected(page, notified, idp, false);
      await signIn(page, person);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(notified.protectedUrl);
      expect(await page.locator('#email').textContent()).toBe(person.email);

      // Passport's own sign-out, not the site's: only the logout token can tell the site.
      const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
        end_session_endpoint: string;
      };
      await page.goto(discovery.end_session_endpoint);
      await page.getByRole('button', { name: 'Sign out of Passport and all sites' }).click();
      await expectHeading(page, 'You have signed out');
      await notified.waitForBackchannelLogout();

      await page.goto(notified.protectedUrl);
      await expectHeading(page, 'Sign in');
      expect(new URL(page.url()).origin).toBe(idp.issuer);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nApache's error log:\n${await notified.errorLog()}`);
    } finally {
      await browser.close();
    }
  });
});

/**
 * Opens the protected page. A site that finds its provider by discovery first
 * shows mod_auth_openidc's own page, where the person names the provider (its
 * list of known providers holds only https issuers; the named one may be http).
 */
async function openProtected(page: Page, site: ApacheSite, idp: TestIdp, discovers: boolean) {
  await page.goto(site.protectedUrl);
  if (!discovers) return;
  await page.locator('input[type="text"][name="iss"]').fill(idp.issuer);
  await page.locator('input[type="submit"]').click();
}

async function signIn(page: Page, person: TestPerson) {
  await expectHeading(page, 'Sign in');
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
