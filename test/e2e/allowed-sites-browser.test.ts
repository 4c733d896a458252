import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { accountClientMetadata } from '../../idp/account-services/sign-in.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { expectHeading } from '../helpers/pages.ts';
import { freePort } from '../helpers/ports.ts';

const SECRET = 'allowed-sites-browser-secret-0123456789';

describe('the sites a person allowed, in a real browser', () => {
  let idp: TestIdp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  beforeAll(async () => {
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({
      env: { IDP_ISSUER: issuer },
      clients: [
        accountClientMetadata(issuer),
        {
          client_id: 'partner',
          client_secret: SECRET,
          client_name: 'Partner Portal',
          redirect_uris: [REDIRECT_URI],
        },
      ],
    });
  });
  afterAll(async () => idp?.close());
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => browser?.close());

  test('the account page lists a site the person allowed, and withdraws it', async () => {
    const person = await registerPerson(idp);
    await signIn(await discover(idp.issuer, 'partner', SECRET), new HttpSession(), person);

    const page = await browser.page();
    await page.goto(`${idp.issuer}/account`);
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });

    await page.getByRole('link', { name: 'Sites you have allowed' }).click();
    await expectHeading(page, 'Sites you have allowed', { exact: true });
    // Allowed, with a way to withdraw it, and among the sites used.
    expect(await page.getByRole('listitem').filter({ hasText: 'Partner Portal' }).count()).toBe(2);
    await page.getByRole('button', { name: 'Withdraw Partner Portal' }).click();
    await expectHeading(page, 'Sites you have allowed', { exact: true });
    await page.getByText('You have not allowed any site yet.').waitFor();
    // Withdrawing the permission does not rewrite history: the site was used.
    await expectHeading(page, 'Sites you have used', { exact: true });
    expect(await page.getByRole('listitem').filter({ hasText: 'Partner Portal' }).count()).toBe(1);
  });
});
