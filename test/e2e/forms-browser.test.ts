import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';
import { startTestSite } from '../helpers/test-site.ts';

type Site = Awaited<ReturnType<typeof startTestSite>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

async function fillSignUp(page: Page, person: TestPerson, retyped = person.password) {
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByLabel('Retype password').fill(retyped);
  await page.getByLabel('Secret question').selectOption('Name of first pet');
  await page.getByLabel('Secret answer').fill(person.answer);
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByLabel('Country or region').selectOption('US');
  await page.getByLabel('Postal code').fill('10001');
}

async function signInOnPage(page: Page, person: TestPerson) {
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('forms in a real browser', () => {
  let idp: TestIdp;
  let site: Site;
  let browser: Browser | undefined;

  beforeAll(async () => {
    site = await startTestSite({ clientId: 'site', clientSecret: 'first-party-site-secret-0123456789' });
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'site',
          client_secret: 'first-party-site-secret-0123456789',
          client_name: 'Test Site',
          first_party: true,
          redirect_uris: [site.redirectUri],
        },
      ],
    });
    site.useIssuer(idp.issuer);
  });

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });

  afterAll(async () => {
    await idp?.close();
    await site?.close();
  });

  test('a refused sign-up keeps the secret answer and every other typed value but the passwords, and focus lands on the summary', async () => {
    browser = await openBrowser();
    const person = newPerson();
    const page = await browser.page();
    await page.goto(`${idp.issuer}/signup`);
    await fillSignUp(page, person, 'Not-The-Same-42');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('alert').waitFor();
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
    expect(await page.getByLabel('Secret answer').inputValue()).toBe(person.answer);
    expect(await page.getByLabel('E-mail address').inputValue()).toBe(person.email);
    expect(await page.getByLabel('Postal code').inputValue()).toBe('10001');
    expect(await page.getByLabel('Country or region').inputValue()).toBe('US');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(
      await page.locator('[aria-invalid="true"]').evaluateAll((marked) => marked.map((m) => m.id)),
    ).toEqual(['password2']);

    await page.getByRole('alert').getByRole('link', { name: 'The passwords do not match.' }).click();
    expect(new URL(page.url()).hash).toBe('#password2');
  });

  test('a double click on "Create account" posts the sign-up once', async () => {
    browser = await openBrowser();
    const person = newPerson();
    const page = await browser.page();
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
    });
    await page.goto(`${idp.issuer}/signup`);
    await fillSignUp(page, person);
    await page.getByRole('button', { name: 'Create account' }).dblclick();
    await expectHeading(page, 'Check your e-mail');
    await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    expect(posts).toEqual(['/signup']);
  });

  test('without JavaScript a person signs up, and activates from the mail', async () => {
    browser = await openBrowser({ javaScriptEnabled: false });
    const person = newPerson();
    const page = await browser.page();
    await page.goto(site.loginUrl);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await fillSignUp(page, person);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(page, 'Check your e-mail');

    const mail = await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    await page.goto(firstLink(mail, `${idp.issuer}/activate/`));
    await page.getByRole('button', { name: 'Activate my Passport' }).click();
    await page.waitForURL(`${site.origin}/callback**`);
    expect(await page.locator('#who').textContent()).toBe(person.email);
  });

  test('without JavaScript a person resets the password with the secret answer', async () => {
    browser = await openBrowser({ javaScriptEnabled: false });
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.goto(site.loginUrl);
    await signInOnPage(page, person);
    await page.waitForURL(`${site.origin}/callback**`);

    await page.goto(`${idp.issuer}/password/reset/answer`);
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Answer your secret question');
    const newPassword = 'No-Script-Password-8';
    await page.getByLabel('Secret answer').fill(person.answer);
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Retype password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expectHeading(page, 'Your password has been changed');

    await page.goto(site.loginUrl);
    await signInOnPage(page, { ...person, password: newPassword });
    await page.waitForURL(`${site.origin}/callback**`);
  });
});

describe('without JavaScript, past the no-script lane', () => {
  let idp: TestIdp;
  let browser: Browser | undefined;

  beforeAll(async () => {
    idp = await startTestIdp({ env: { IDP_NO_SCRIPT_FORMS_PER_HOUR: '1' } });
  });

  afterAll(async () => {
    await browser?.close();
    await idp?.close();
  });

  test('a further sign-up from the same network is told to wait or turn on JavaScript, and keeps what was typed', async () => {
    browser = await openBrowser({ javaScriptEnabled: false });
    const page = await browser.page();
    await page.goto(`${idp.issuer}/signup`);
    await fillSignUp(page, newPerson());
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(page, 'Check your e-mail');

    const next = newPerson();
    await page.goto(`${idp.issuer}/signup`);
    await fillSignUp(page, next);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('turn on JavaScript').waitFor();
    expect(await page.getByLabel('Secret answer').inputValue()).toBe(next.answer);
    expect(await page.getByLabel('E-mail address').inputValue()).toBe(next.email);
  });
});
