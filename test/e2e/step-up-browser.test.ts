import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { expectHeading } from '../helpers/pages.ts';

type Browser = Awaited<ReturnType<typeof openBrowser>>;

const KEY = 'harbour-lantern-42';
const QUESTIONS = SECURITY_KEY_QUESTIONS.slice(0, 3);
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];

describe('step-up before a credential change, in a real browser', () => {
  let idp: TestIdp;
  let browser: Browser;

  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(async () => idp?.close());
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => browser?.close());

  test('account services ask an account with a key for the key before a credential change, then the change works', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();

    await page.goto(`${idp.issuer}/account`);
    await expectHeading(page, 'Sign in', { exact: true });
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });

    // Without a key the password is the strongest factor: a fresh sign-in sets one up.
    await page.getByRole('link', { name: 'Security key and its questions' }).click();
    await expectHeading(page, 'Set up your security key');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByLabel('Retype security key').fill(KEY);
    for (const [index, question] of QUESTIONS.entries()) {
      await page.getByLabel(`Question ${index + 1}`).selectOption(question);
      await page.getByLabel(`Answer ${index + 1}`).fill(ANSWERS[index]!);
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Confirm your answers');
    for (const [index, answer] of ANSWERS.entries()) {
      await page.getByLabel(`Answer ${index + 1}`).fill(answer);
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Your security key is saved');

    // Now the account has a key: the same fresh password session must type it first.
    await page.goto(`${idp.issuer}/account`);
    await page.getByRole('link', { name: 'Change your e-mail address' }).click();
    await expectHeading(page, 'Enter your security key');
    expect(await page.locator('main').textContent()).toContain(
      `To change how you sign in, enter the security key of ${person.email}`,
    );
    await page.getByLabel('Security key', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.locator('#key-error').textContent()).toContain('incorrect');

    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continue' }).click();
    const newEmail = newPerson().email;
    await page.getByLabel('New e-mail address').fill(newEmail);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expectHeading(page, 'Check your e-mail', { exact: true });
    await idp.mailbox.waitFor(newEmail, { subject: /Confirm your new Passport e-mail/ });

    // Within the window the other credential pages open without asking again.
    await page.goto(`${idp.issuer}/account`);
    await page.getByRole('link', { name: 'Secret question and answer' }).click();
    await page.getByLabel('Secret answer').waitFor();
    expect(new URL(page.url()).pathname).toBe('/account/secret-question');
  });
});
