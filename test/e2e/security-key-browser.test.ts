import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ACR_PASSWORD, ACR_STRONG } from '../../idp/oidc/acr.ts';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { expectHeading } from '../helpers/pages.ts';
import { startTestSite } from '../helpers/test-site.ts';

type Site = Awaited<ReturnType<typeof startTestSite>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

const KEY = 'harbour-lantern-42';
const QUESTIONS = SECURITY_KEY_QUESTIONS.slice(0, 3);
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];

async function signInOnPage(page: Page, person: TestPerson) {
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function answerQuestions(page: Page, answers: string[]) {
  for (const [index, answer] of answers.entries()) {
    await page.getByLabel(`Answer ${index + 1}`).fill(answer);
  }
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function enterKey(page: Page, key: string) {
  await page.getByLabel('Security key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function expectSignedInAt(page: Page, site: Site, person: TestPerson, acr: string) {
  await page.waitForURL(`${site.origin}/callback**`);
  expect(await page.locator('#who').textContent()).toBe(person.email);
  expect(await page.locator('#acr').textContent()).toBe(acr);
}

describe('security key step-up in a real browser', () => {
  let idp: TestIdp;
  let site: Site;
  let browser: Browser;

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

  const strongLogin = (extra = '') => `${site.loginUrl}?acr_values=${encodeURIComponent(ACR_STRONG)}${extra}`;

  test('first strong sign-in: set-up, confirmation, key; then max_age=0 asks password and key again', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.goto(strongLogin());
    await signInOnPage(page, person);

    await expectHeading(page, 'Set up your security key');
    expect(await page.locator('main').textContent()).toContain('Test Site asks for a stronger sign-in');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByLabel('Retype security key').fill(KEY);
    for (const [index, question] of QUESTIONS.entries()) {
      await page.getByLabel(`Question ${index + 1}`).selectOption(question);
      await page.getByLabel(`Answer ${index + 1}`).fill(ANSWERS[index]!);
    }
    await page.getByRole('button', { name: 'Continue' }).click();

    await expectHeading(page, 'Confirm your answers');
    await answerQuestions(
      page,
      ANSWERS.map((answer) => answer.toUpperCase()),
    );

    await expectHeading(page, 'Enter your security key');
    expect(await page.getByRole('link', { name: 'Reset your security key' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Sign in with a different account' }).count()).toBe(1);
    await enterKey(page, KEY);
    await expectSignedInAt(page, site, person, ACR_STRONG);

    // Already strong: the site signs in again without a page.
    await page.goto(strongLogin());
    await expectSignedInAt(page, site, person, ACR_STRONG);

    await page.goto(strongLogin('&max_age=0'));
    await expectHeading(page, 'Sign in');
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    if (!(await page.getByLabel('E-mail address').inputValue())) {
      await page.getByLabel('E-mail address').fill(person.email);
    }
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Enter your security key');
    await enterKey(page, KEY);
    await expectSignedInAt(page, site, person, ACR_STRONG);
  });

  test('the password level alone never asks for the key', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.goto(strongLogin());
    await signInOnPage(page, person);
    await expectHeading(page, 'Set up your security key');

    await browser.restart();
    const fresh = await browser.page();
    await fresh.goto(site.loginUrl);
    await signInOnPage(fresh, person);
    await expectSignedInAt(fresh, site, person, ACR_PASSWORD);
  });

  test('"Reset your security key" through the three questions, then the new key signs in', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.goto(strongLogin());
    await signInOnPage(page, person);
    await expectHeading(page, 'Set up your security key');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByLabel('Retype security key').fill(KEY);
    for (const [index, question] of QUESTIONS.entries()) {
      await page.getByLabel(`Question ${index + 1}`).selectOption(question);
      await page.getByLabel(`Answer ${index + 1}`).fill(ANSWERS[index]!);
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Confirm your answers');
    await answerQuestions(page, ANSWERS);
    await expectHeading(page, 'Enter your security key');

    await page.getByRole('link', { name: 'Reset your security key' }).click();
    await expectHeading(page, 'Reset your security key');
    await answerQuestions(page, ['wrong', 'wrong', 'wrong']);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('incorrect');
    await answerQuestions(page, ANSWERS);

    await expectHeading(page, 'Choose a new security key');
    const newKey = 'copper-kettle-77';
    await page.getByLabel('Security key', { exact: true }).fill(newKey);
    await page.getByLabel('Retype security key').fill(newKey);
    await page.getByRole('button', { name: 'Continue' }).click();

    await expectHeading(page, 'Enter your security key');
    await enterKey(page, KEY);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('incorrect');
    await enterKey(page, newKey);
    await expectSignedInAt(page, site, person, ACR_STRONG);
    await idp.mailbox.waitFor(person.email, { subject: /security key was reset/ });
  });

  test('set-up offers "Sign in with a different account"; Cancel returns access_denied, never a token', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.goto(strongLogin());
    await signInOnPage(page, person);
    await expectHeading(page, 'Set up your security key');
    const setUpUrl = page.url();
    await page.getByRole('link', { name: 'Sign in with a different account' }).click();
    await expectHeading(page, 'Sign in');
    expect(await page.getByLabel('E-mail address').inputValue()).toBe('');

    await page.goto(setUpUrl);
    await expectHeading(page, 'Set up your security key');
    await page.getByRole('button', { name: 'Cancel and return to the site' }).click();
    await page.waitForURL(`${site.origin}/callback**`);
    expect(await page.locator('#error').textContent()).toBe('access_denied');
  });
});
