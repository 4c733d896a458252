import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';
import { startTestSite } from '../helpers/test-site.ts';

type Site = Awaited<ReturnType<typeof startTestSite>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

async function signInOnPage(page: Page, person: TestPerson, options: { remember?: boolean } = {}) {
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  if (options.remember) await page.getByLabel('Sign me in automatically').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function expectSignedInAt(page: Page, site: Site, person: TestPerson) {
  await page.waitForURL(`${site.origin}/callback**`);
  expect(await page.locator('#who').textContent()).toBe(person.email);
}

describe('IdP in a real browser', () => {
  let idp: TestIdp;
  let site: Site;
  let thirdParty: Site;
  let browser: Browser;

  beforeAll(async () => {
    site = await startTestSite({ clientId: 'site', clientSecret: 'first-party-site-secret-0123456789' });
    thirdParty = await startTestSite({
      clientId: 'third',
      clientSecret: 'third-party-site-secret-0123456789',
    });
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'site',
          client_secret: 'first-party-site-secret-0123456789',
          client_name: 'Test Site',
          first_party: true,
          redirect_uris: [site.redirectUri],
        },
        {
          client_id: 'third',
          client_secret: 'third-party-site-secret-0123456789',
          client_name: 'Elsewhere Ltd',
          redirect_uris: [thirdParty.redirectUri],
        },
      ],
    });
    site.useIssuer(idp.issuer);
    thirdParty.useIssuer(idp.issuer);
  });

  afterAll(async () => {
    await idp?.close();
    await site?.close();
    await thirdParty?.close();
  });

  beforeEach(async () => {
    browser = await openBrowser();
  });

  afterEach(async () => {
    await browser?.close();
  });

  test('sign up, activate from the mail, and land back at the site signed in', async () => {
    const person = newPerson();
    const page = await browser.page();
    await page.goto(site.loginUrl);
    await page.getByRole('link', { name: 'Sign up' }).click();

    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByLabel('Retype password').fill(person.password);
    await page.getByLabel('Secret question').selectOption('Name of first pet');
    await page.getByLabel('Secret answer').fill(person.answer);
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByLabel('Country or region').selectOption('US');
    await page.getByLabel('Postal code').fill('10001');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(page, 'Check your e-mail');

    const mail = await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    await page.goto(firstLink(mail, `${idp.issuer}/activate/`));
    await page.getByRole('button', { name: 'Activate my Passport' }).click();
    await expectSignedInAt(page, site, person);
  });

  test('without "Sign me in automatically" the session ends with the browser', async () => {
    const person = await registerPerson(idp);
    let page = await browser.page();
    await page.goto(site.loginUrl);
    await signInOnPage(page, person);
    await expectSignedInAt(page, site, person);

    await browser.restart();
    page = await browser.page();
    await page.goto(site.loginUrl);
    await expectHeading(page, 'Sign in');
  });

  test('with "Sign me in automatically" the session survives a browser restart', async () => {
    const person = await registerPerson(idp);
    let page = await browser.page();
    await page.goto(site.loginUrl);
    await signInOnPage(page, person, { remember: true });
    await expectSignedInAt(page, site, person);

    await browser.restart();
    page = await browser.page();
    await page.goto(site.loginUrl);
    await expectSignedInAt(page, site, person);
  });

  test('the sign-in page lists accounts used on this device only after their first sign-in', async () => {
    const person = await registerPerson(idp);
    let page = await browser.page();
    await page.goto(site.loginUrl);
    expect(await page.getByText(person.email).count()).toBe(0);
    await signInOnPage(page, person);
    await expectSignedInAt(page, site, person);

    await page.goto(`${site.loginUrl}?prompt=select_account`);
    await expectHeading(page, 'Choose an account');
    await page.getByRole('button', { name: `Continue as ${person.email}` }).click();
    await expectSignedInAt(page, site, person);

    // After the browser closes the session is gone but the device still remembers the account.
    await browser.restart();
    page = await browser.page();
    await page.goto(site.loginUrl);
    await page.getByRole('link', { name: `Use ${person.email}` }).click();
    expect(await page.getByLabel('E-mail address').inputValue()).toBe(person.email);
    await page.getByRole('button', { name: `Forget ${person.email}` }).click();
    await page.getByRole('link', { name: `Use ${person.email}` }).waitFor({ state: 'detached' });
  });

  test('a third-party site asks for consent once; Cancel returns an error to the site', async () => {
    const person = await registerPerson(idp);
    let page = await browser.page();
    await page.goto(thirdParty.loginUrl);
    await signInOnPage(page, person);
    await expectHeading(page, 'Allow access?');
    const consent = await page.locator('main').textContent();
    expect(consent).toContain('Elsewhere Ltd');
    expect(consent).toContain('See your e-mail address');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${thirdParty.origin}/callback**`);
    expect(await page.locator('#error').textContent()).toBe('access_denied');

    await page.goto(thirdParty.loginUrl);
    await page.getByRole('button', { name: 'Allow' }).click();
    await expectSignedInAt(page, thirdParty, person);

    // Remembered per site: a new browser session signs in without the question.
    await browser.restart();
    page = await browser.page();
    await page.goto(thirdParty.loginUrl);
    await signInOnPage(page, person);
    await expectSignedInAt(page, thirdParty, person);
  });
});
