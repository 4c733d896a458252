import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';

type Pair = Awaited<ReturnType<typeof startIdpAndExtranet>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

async function signInAtPassport(page: Page, person: TestPerson) {
  await expectHeading(page, 'Sign in');
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('extranet association in a real browser (seed 000, password level)', () => {
  let pair: Pair;
  let browser: Browser;

  beforeAll(async () => {
    pair = await startIdpAndExtranet();
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pair?.close();
  });

  test('sign in, ask with the company address, follow the mailed link, sign in again, and open CustomerSource in the profile', async () => {
    const { extranet, mailbox } = pair;
    const organizationId = await addOrganization(extranet.db, { name: 'Contoso Pharmaceuticals' });
    await addProfile(extranet.db, { organizationId, name: 'Ada Buyer', email: 'Ada.Buyer@contoso.example' });
    const person = await registerPerson(pair.idp);
    const page = await browser.page();

    await page.goto(extranet.url);
    await page.getByRole('link', { name: 'Sign in with your Passport' }).click();
    await signInAtPassport(page, person);

    // Step 8: the address registered with the company, not the Passport's.
    await expectHeading(page, 'Associate your Passport with your profile');
    await page.getByLabel('E-mail address').fill('not an address');
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Enter a valid e-mail address.');
    await page.getByLabel('E-mail address').fill('ada.buyer@contoso.example');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Step 9.
    await expectHeading(page, 'E-mail sent');
    expect(await page.locator('main').textContent()).toContain(
      'Thank you. You will be receiving an e-mail that gives you further instructions on how to sign in to this extranet.',
    );

    // Steps 10-12: the link asks for the Passport again, though its session is alive.
    const mail = await mailbox.waitFor('Ada.Buyer@contoso.example', { subject: /Associate your Passport/ });
    const link = firstLink(mail, `${extranet.url}/associate/`);
    // The sign-in came a few seconds before the link; whole-second auth_time would make "moments" flaky.
    await extranet.db
      .updateTable('sessions')
      .set((eb) => ({ authenticated_at: eb('authenticated_at', '-', 5_000) }))
      .execute();
    await page.goto(link);
    await signInAtPassport(page, person);
    await expectHeading(page, 'Associate your Passport with your profile');
    expect(await page.locator('main').textContent()).toContain('Contoso Pharmaceuticals');
    await page.getByRole('button', { name: 'Associate my Passport' }).click();

    // Step 13.
    await expectHeading(page, 'Association complete');
    expect(await page.locator('main').textContent()).toContain(
      'You have successfully associated your Passport with your profile',
    );

    // Step 14: CustomerSource opens in the profile.
    await page.getByRole('link', { name: 'Open CustomerSource' }).click();
    await page.waitForURL(`${extranet.url}/resources`);
    await page.getByRole('link', { name: 'My profile' }).click();
    await expectHeading(page, 'Personal Profile');
    const profile = await page.locator('main').textContent();
    expect(profile).toContain('Ada Buyer');
    expect(profile).toContain('Contoso Pharmaceuticals');

    // The link worked once.
    await page.goto(link);
    await expectHeading(page, 'This link was already used');
  });
});
