import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { tabTo, typeInto } from '../helpers/keyboard.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';

/**
 * A person who cannot use a pointer: Tab to move, typing to fill, Enter to
 * act. Nothing here clicks; a mailed link is opened as a mail program would.
 */
describe('signing up and signing in with the keyboard alone', () => {
  let idp: TestIdp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  const person = newPerson();

  beforeAll(async () => {
    idp = await startTestIdp();
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await idp?.close();
  });

  test('a person signs up and activates the Passport with Tab, typing and Enter', async () => {
    const page = await browser.page();
    await page.goto(idp.issuer);
    await tabTo(page, 'Sign up for a Passport');
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Sign up for a Passport');

    await typeInto(page, 'E-mail address', person.email);
    await typeInto(page, 'Password', person.password);
    await typeInto(page, 'Retype password', person.password);
    await typeInto(page, 'Secret question', 'Name of first pet');
    expect(await page.getByLabel('Secret question').inputValue()).not.toBe('');
    await typeInto(page, 'Secret answer', person.answer);
    await typeInto(page, 'First name', 'Dana');
    await typeInto(page, 'Last name', 'Buyer');
    await typeInto(page, 'Country or region', 'United Kingdom');
    expect(await page.getByLabel('Country or region').inputValue()).toBe('GB');
    await typeInto(page, 'Postal code', 'SW1A 1AA');
    await tabTo(page, 'Create account');
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Check your e-mail');

    const mail = await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    await page.goto(firstLink(mail, `${idp.issuer}/activate/`));
    await tabTo(page, 'Activate my Passport');
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Your Passport is ready');
  });

  test('the same person signs in to account services with Tab, typing and Enter', async () => {
    await browser.context.clearCookies();
    const page = await browser.page();
    await page.goto(`${idp.issuer}/account`);
    await expectHeading(page, 'Sign in', { exact: true });
    await typeInto(page, 'E-mail address', person.email);
    await typeInto(page, 'Password', person.password);
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Your Passport', { exact: true });
  });
});
