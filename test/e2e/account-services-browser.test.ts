import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { accountClientMetadata } from '../../idp/account-services/sign-in.ts';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';
import { freePort } from '../helpers/ports.ts';
import { ageSignIns } from '../helpers/stored-state.ts';

type Browser = Awaited<ReturnType<typeof openBrowser>>;

describe('account services in a real browser', () => {
  let idp: TestIdp;
  let browser: Browser;

  beforeAll(async () => {
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({ env: { IDP_ISSUER: issuer }, clients: [accountClientMetadata(issuer)] });
  });
  afterAll(async () => idp?.close());
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => browser?.close());

  test('sign in to the account, change name, password and e-mail, see the activity, sign out everywhere', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();

    await page.goto(`${idp.issuer}/account`);
    await expectHeading(page, 'Sign in', { exact: true });
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });
    const masthead = page.getByRole('navigation', { name: 'Your Passport' });
    await masthead.getByRole('link', { name: 'Account' }).waitFor();
    await masthead.getByRole('link', { name: 'Sign out' }).waitFor();

    await page.getByRole('link', { name: 'Name and personal data' }).click();
    await expectHeading(page, 'Name and personal data', { exact: true });
    expect(await page.getByLabel('First name').inputValue()).toBe('Ada');
    await page.getByLabel('First name').fill('Augusta');
    await page.getByLabel('Country or region').selectOption('IE');
    await page.getByRole('button', { name: 'Save' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });
    expect(await page.getByRole('status').textContent()).toContain('saved');
    expect(await page.locator('dl').textContent()).toContain('Augusta Lovelace');

    const newPassword = 'Analytical-Engine-1843';
    await page.getByRole('link', { name: 'Change your password' }).click();
    await expectHeading(page, 'Change your password', { exact: true });
    await page.getByLabel('Current password').fill('Not-my-password-1');
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Retype password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.locator('#current_password-error').textContent()).toContain('not correct');
    await page.getByLabel('Current password').fill(person.password);
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Retype password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });
    expect(await page.getByRole('status').textContent()).toContain('Your password was changed');

    const newEmail = newPerson().email;
    await page.getByRole('link', { name: 'Change your e-mail address' }).click();
    await page.getByLabel('New e-mail address').fill(newEmail);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expectHeading(page, 'Check your e-mail', { exact: true });
    const mail = await idp.mailbox.waitFor(newEmail, { subject: /Confirm your new Passport e-mail/ });
    await page.goto(firstLink(mail, `${idp.issuer}/account/email/confirm/`));
    await page.getByRole('button', { name: 'Use this e-mail address' }).click();
    await expectHeading(page, 'Your e-mail address was changed', { exact: true });
    await idp.mailbox.waitFor(person.email, { subject: /e-mail address was changed/ });
    await page.getByRole('link', { name: 'Go to your Passport' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });
    expect(await page.locator('dl').textContent()).toContain(newEmail);

    await page.getByRole('link', { name: 'Recent activity' }).click();
    await expectHeading(page, 'Recent activity', { exact: true });
    const table = page.getByRole('table');
    for (const what of ['E-mail address changed', 'Password changed', 'Personal data changed']) {
      expect(await table.getByRole('row').filter({ hasText: what }).count()).toBeGreaterThan(0);
    }
    expect(await table.getByRole('row').filter({ hasText: 'Failure' }).count()).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'Back to your Passport' }).click();
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expectHeading(page, 'You have signed out everywhere', { exact: true });
    expect(await page.getByRole('navigation', { name: 'Your Passport' }).count()).toBe(0);
    await page.goto(`${idp.issuer}/account`);
    await expectHeading(page, 'Sign in', { exact: true });
    await page.getByLabel('E-mail address').fill(newEmail);
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });
  });

  test('an old sign-in is asked for the password before a credential changes', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.goto(`${idp.issuer}/account`);
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });

    // Signed in eleven minutes ago, as far as the store knows.
    const account = await idp.db
      .selectFrom('accounts')
      .select('id')
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
    await ageSignIns(idp, account.id, 11 * 60);

    await page.getByRole('link', { name: 'Alternate e-mail address' }).click();
    await expectHeading(page, 'Confirm it is you', { exact: true });
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Alternate e-mail address', { exact: true });
    const alternate = newPerson().email;
    await page.getByLabel('Alternate e-mail address').fill(alternate);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expectHeading(page, 'Check your e-mail', { exact: true });
    const mail = await idp.mailbox.waitFor(alternate, { subject: /Confirm your alternate/ });
    await page.goto(firstLink(mail, `${idp.issuer}/account/alternate-email/verify/`));
    await page.getByRole('button', { name: 'Confirm this address' }).click();
    await expectHeading(page, 'Your alternate e-mail address is confirmed', { exact: true });
  });

  test('a form on another site that posts to an account page is refused', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.goto(`${idp.issuer}/account`);
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });

    const attacker = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end(
        `<!doctype html><title>Win a prize</title>
        <form method="post" action="${idp.issuer}/account/personal">
          <input type="hidden" name="first_name" value="Mallory">
          <input type="hidden" name="last_name" value="X">
          <input type="hidden" name="country" value="GB">
          <input type="hidden" name="postal_code" value="1">
          <button>Claim</button>
        </form>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      const answer = page.waitForResponse(`${idp.issuer}/account/personal`);
      await page.getByRole('button', { name: 'Claim' }).click();
      expect((await answer).status()).toBe(403);
      await expectHeading(page, 'Request refused', { exact: true });
    } finally {
      attacker.closeAllConnections();
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
    const account = await idp.db
      .selectFrom('accounts')
      .select('first_name')
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
    expect(account.first_name).toBe('Ada');
  });
});
