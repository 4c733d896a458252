import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { newPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';

const KEY = 'Blue-Harbour-Lantern-7';
const QUESTIONS = ["Mother's birthplace", 'Name of first pet', 'Favourite teacher'];
const ANSWERS = ['Porto', 'Rex', 'Mrs Almeida'];

/**
 * Seed 000, end to end at the strong level the extranet asks for: a Passport is
 * made, gets its security key, is associated with the company profile by an
 * e-mailed link, and from then on goes straight in.
 */
describe('the CustomerSource seed flow in a real browser', () => {
  let system: Awaited<ReturnType<typeof startIdpAndExtranet>>;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  beforeAll(async () => {
    system = await startIdpAndExtranet({ env: { RP_REQUIRED_ACR: ACR_STRONG } });
    const contoso = await addOrganization(system.extranet.db, {
      name: 'Contoso Pharmaceuticals',
      kind: 'customer',
      plan: 'support',
      planEndsAt: Date.now() + 365 * 24 * 60 * 60 * 1000,
    });
    await addProfile(system.extranet.db, {
      organizationId: contoso,
      name: 'Dana Buyer',
      email: 'dana@contoso.example',
      isAdmin: true,
    });
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  test('sign up, security key, association by mail, success, extranet; the next visit goes straight in', async () => {
    const person = newPerson();
    const { idp, extranet, mailbox } = system;
    const page = await browser.page();

    // Steps 1-4: get a Passport from the extranet's sign-in.
    await page.goto(extranet.url);
    await page.getByRole('link', { name: 'Sign in with your Passport' }).click();
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByLabel('Retype password').fill(person.password);
    await page.getByLabel('Secret question').selectOption('Name of first pet');
    await page.getByLabel('Secret answer').fill(person.answer);
    await page.getByLabel('First name').fill('Dana');
    await page.getByLabel('Last name').fill('Buyer');
    await page.getByLabel('Country or region').selectOption('US');
    await page.getByLabel('Postal code').fill('98052');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(page, 'Check your e-mail');
    const activation = await mailbox.waitFor(person.email, { subject: /Activate/ });
    await page.goto(firstLink(activation, `${idp.issuer}/activate/`));
    await page.getByRole('button', { name: 'Activate my Passport' }).click();

    // Steps 5-7: the extranet asks for the strong level, so the security key is set up, confirmed, entered.
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
    await expectHeading(page, 'Enter your security key');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continue' }).click();

    // Steps 8-9: no profile yet, so the extranet asks for the company address.
    await expectHeading(page, 'Associate your Passport with your profile');
    await page.getByLabel('E-mail address').fill('Dana@Contoso.example');
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.locator('main').textContent()).toContain('You will be receiving an e-mail');

    // Steps 10-12: the mailed link demands the Passport again (password and key).
    const association = await mailbox.waitFor('dana@contoso.example', {
      after: new Date(Date.now() - 60_000),
    });
    await page.goto(firstLink(association, `${extranet.url}/associate/`));
    await expectHeading(page, 'Sign in');
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    if (!(await page.getByLabel('E-mail address').inputValue())) {
      await page.getByLabel('E-mail address').fill(person.email);
    }
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Enter your security key');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Associate your Passport with your profile');
    await page.getByRole('button', { name: 'Associate my Passport' }).click();

    // Steps 13-14: success, then CustomerSource.
    await expectHeading(page, 'Association complete');
    expect(await page.locator('main').textContent()).toContain(
      'You have successfully associated your Passport with your profile',
    );
    await page.getByRole('link', { name: 'Open CustomerSource' }).click();
    await expectHeading(page, 'Resources');

    // The next visit goes straight in: Passport's session and key level answer silently.
    await page.context().clearCookies({ name: 'rp_session' });
    await page.goto(extranet.url);
    await page.getByRole('link', { name: 'Sign in with your Passport' }).click();
    await expectHeading(page, 'Resources');
  });
});
