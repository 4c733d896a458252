import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { moveThrottlesBack } from '../helpers/stored-state.ts';
import { startTestSite } from '../helpers/test-site.ts';

type Site = Awaited<ReturnType<typeof startTestSite>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

const SITE_SECRET = 'first-party-site-secret-0123456789';

async function expectSignedInAt(page: Page, site: Site, person: TestPerson) {
  try {
    await page.waitForURL(`${site.origin}/callback**`, { timeout: 15_000 });
  } catch {
    throw new Error(
      `expected the site at ${page.url()}, saw: ${((await page.locator('body').textContent()) ?? '').slice(0, 400)}`,
    );
  }
  expect(await page.locator('#who').textContent()).toBe(person.email);
}

async function submitPassword(page: Page, person: TestPerson) {
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('brute-force defence in a real browser', () => {
  let idp: TestIdp;
  let site: Site;
  let browser: Browser;

  /** Someone else, elsewhere, guessing the owner's password until the account is locked for strangers. */
  async function lockOutStrangers(person: TestPerson) {
    const config = await discover(idp.issuer, 'site', SITE_SECRET);
    const attacker = new HttpSession();
    const { url } = await attacker.follow((await authorizationRequest(config)).url);
    const loginUrl = `${url.origin}${url.pathname}/login`;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const answer = await attacker.request(loginUrl, {
        form: { email: person.email, password: `Wrong-guess-${attempt}` },
      });
      expect(answer.status).toBe(401);
    }
    const refused = await attacker.request(loginUrl, { form: { email: person.email, password: 'Guess-6' } });
    expect(refused.status).toBe(429);
  }

  beforeAll(async () => {
    site = await startTestSite({ clientId: 'site', clientSecret: SITE_SECRET });
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'site',
          client_secret: SITE_SECRET,
          client_name: 'Test Site',
          first_party: true,
          redirect_uris: [site.redirectUri, REDIRECT_URI],
        },
      ],
    });
    site.useIssuer(idp.issuer);
  });

  afterAll(async () => {
    await idp?.close();
    await site?.close();
  });

  beforeEach(async () => {
    browser = await openBrowser();
  });

  afterEach(async () => {
    await browser?.close();
  });

  test("the owner's remembered browser signs in at once while strangers are locked out", async () => {
    const owner = await registerPerson(idp);
    let page = await browser.page();
    await page.goto(site.loginUrl);
    await page.getByLabel('E-mail address').fill(owner.email);
    await submitPassword(page, owner);
    await expectSignedInAt(page, site, owner);

    await lockOutStrangers(owner);

    // The owner comes back later: the session ended with the browser, the device cookie stayed.
    await browser.restart();
    page = await browser.page();
    await page.goto(site.loginUrl);
    await page.getByRole('link', { name: `Use ${owner.email}` }).click();
    expect(await page.locator('altcha-widget').count()).toBe(0);
    await submitPassword(page, owner);
    await expectSignedInAt(page, site, owner);
  });

  test('a browser the account never used must pass the bot check, which the page solves', async () => {
    const owner = await registerPerson(idp);
    await lockOutStrangers(owner);
    // The wait after the fifth failure is over; the bot check is still due.
    await moveThrottlesBack(idp, 2_000);

    const page = await browser.page();
    await page.goto(site.loginUrl);
    await page.getByLabel('E-mail address').fill(owner.email);
    await submitPassword(page, owner);
    await page.getByRole('alert').getByText('not a robot').first().waitFor();
    expect(await page.locator('altcha-widget').count()).toBe(1);
    expect(await page.getByLabel('E-mail address').inputValue()).toBe(owner.email);

    await submitPassword(page, owner);
    await expectSignedInAt(page, site, owner);
  });
});
