import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { customerSource } from '../../relying-party/customersource/site.ts';
import { membershipCenter } from '../../relying-party/membership-center/site.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startIdpAndSites } from '../helpers/extranet-flow.ts';
import { expectHeading } from '../helpers/pages.ts';

type Browser = Awaited<ReturnType<typeof openBrowser>>;

const KEY = 'harbour-lantern-42';
const QUESTIONS = SECURITY_KEY_QUESTIONS.slice(0, 3);
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];

/**
 * One network (issue 9, item 4): CustomerSource asks for the strong level, the
 * Center for the password level, and Passport's session carries a person from
 * one to the other; a sign-out at either site or at Passport ends both.
 */
describe('CustomerSource and the Membership Center: one Passport session, one sign-out', () => {
  let network: Awaited<ReturnType<typeof startIdpAndSites<'customerSource' | 'center'>>>;
  let browser: Browser;
  const cs = () => network.sites.customerSource.url;
  const center = () => network.sites.center.url;

  beforeAll(async () => {
    network = await startIdpAndSites({
      sites: { customerSource: { site: customerSource }, center: { site: membershipCenter } },
    });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => browser?.close());

  async function typePassword(page: Page, person: TestPerson) {
    await expectHeading(page, 'Sign in', { exact: true });
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function typeKey(page: Page) {
    await expectHeading(page, 'Enter your security key');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  /** Signs in at CustomerSource with the password and a security key set up on the way. */
  async function signInToCustomerSourceWithNewKey(page: Page, person: TestPerson) {
    await page.goto(`${cs()}/auth/sign-in`);
    await typePassword(page, person);
    await expectHeading(page, 'Set up your security key');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByLabel('Retype security key').fill(KEY);
    for (const [index, question] of QUESTIONS.entries()) {
      await page.getByLabel(`Question ${index + 1}`).selectOption(question);
      await page.getByLabel(`Answer ${index + 1}`).fill(ANSWERS[index]!);
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Confirm your answers');
    for (const [index, answer] of ANSWERS.entries())
      await page.getByLabel(`Answer ${index + 1}`).fill(answer);
    await page.getByRole('button', { name: 'Continue' }).click();
    await typeKey(page);
    await expectHeading(page, 'Associate your Passport with your profile');
  }

  async function sessionsAt(site: 'customerSource' | 'center') {
    return network.sites[site].db.selectFrom('sessions').select('id_hash').execute();
  }

  test('signed in at CustomerSource, the Center opens without a password; the Center asks no security key', async () => {
    const person = await registerPerson(network.idp);
    const page = await browser.page();
    await signInToCustomerSourceWithNewKey(page, person);

    await page.goto(`${center()}/auth/sign-in?return=/`);
    // Straight back from Passport: no sign-in form, no key; a stranger here, so the profile.
    await expectHeading(page, 'Complete your Individual Profile');
    expect(new URL(page.url()).origin).toBe(center());
    expect(await page.getByLabel('Preferred e-mail address').inputValue()).toBe(person.email);
  });

  test('signed in at the Center with the password, CustomerSource asks only for the security key', async () => {
    const person = await registerPerson(network.idp);
    const page = await browser.page();
    // A key exists, from an earlier visit to CustomerSource; then the browser is closed.
    await signInToCustomerSourceWithNewKey(page, person);
    await browser.restart();
    const fresh = await browser.page();

    await fresh.goto(`${center()}/auth/sign-in?return=/`);
    await typePassword(fresh, person);
    // The password level is enough here: no key asked.
    await expectHeading(fresh, 'Complete your Individual Profile');

    await fresh.goto(`${cs()}/auth/sign-in`);
    await expectHeading(fresh, 'Enter your security key');
    expect(await fresh.getByLabel('Password', { exact: true }).count()).toBe(0);
    await typeKey(fresh);
    await expectHeading(fresh, 'Associate your Passport with your profile');
  });

  test('signing out at the Center, and choosing Passport too, ends the CustomerSource session (back-channel)', async () => {
    const person = await registerPerson(network.idp);
    const page = await browser.page();
    await signInToCustomerSourceWithNewKey(page, person);
    await page.goto(`${center()}/auth/sign-in?return=/`);
    await expectHeading(page, 'Complete your Individual Profile');
    const before = {
      cs: (await sessionsAt('customerSource')).length,
      center: (await sessionsAt('center')).length,
    };

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out of Passport and all sites' }).click();
    await page.waitForURL((url) => url.origin === center() && url.pathname === '/');
    await expectHeading(page, 'Partner Membership Center');
    expect(await page.getByRole('status').textContent()).toContain(
      'You are signed out of the Membership Center.',
    );
    expect((await sessionsAt('center')).length).toBe(before.center - 1);
    expect((await sessionsAt('customerSource')).length).toBe(before.cs - 1);
    // CustomerSource asks for the password again.
    await page.goto(`${cs()}/auth/sign-in`);
    await expectHeading(page, 'Sign in', { exact: true });
  });

  test('signing out at CustomerSource ends the Center session too', async () => {
    const person = await registerPerson(network.idp);
    const page = await browser.page();
    await signInToCustomerSourceWithNewKey(page, person);
    await page.goto(`${center()}/auth/sign-in?return=/`);
    await expectHeading(page, 'Complete your Individual Profile');
    const centerSessions = (await sessionsAt('center')).length;

    await page.goto(`${cs()}/associate`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out of Passport and all sites' }).click();
    await page.waitForURL((url) => url.origin === cs() && url.pathname === '/');
    expect((await sessionsAt('center')).length).toBe(centerSessions - 1);
    await page.goto(`${center()}/profile/new`);
    await expectHeading(page, 'Sign in', { exact: true });
  });

  test('signing out at Passport (account services) ends the sessions of both sites', async () => {
    const person = await registerPerson(network.idp);
    const page = await browser.page();
    await signInToCustomerSourceWithNewKey(page, person);
    await page.goto(`${center()}/auth/sign-in?return=/`);
    await expectHeading(page, 'Complete your Individual Profile');
    const before = {
      cs: (await sessionsAt('customerSource')).length,
      center: (await sessionsAt('center')).length,
    };

    await page.goto(`${network.idp.issuer}/account`);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expectHeading(page, 'You have signed out everywhere', { exact: true });
    expect((await sessionsAt('center')).length).toBe(before.center - 1);
    expect((await sessionsAt('customerSource')).length).toBe(before.cs - 1);
  });
});
