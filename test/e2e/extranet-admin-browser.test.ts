import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashMailToken } from '../../shared/security/mail-token.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { linkPassport, newestSignIn } from '../helpers/extranet-admin.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';

type Services = Awaited<ReturnType<typeof startIdpAndExtranet>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

async function signInAtPassport(page: Page, person: TestPerson) {
  await expectHeading(page, 'Sign in', { exact: true });
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('company administration in a real browser', () => {
  let services: Services;
  let administrator: Browser;
  let invitee: Browser;

  beforeAll(async () => {
    services = await startIdpAndExtranet();
    administrator = await openBrowser();
    invitee = await openBrowser();
  });

  afterAll(async () => {
    await administrator?.close();
    await invitee?.close();
    await services?.close();
  });

  test('an administrator invites a professional who signs in by the mailed link; removing them ends their session', async () => {
    const { extranet, mailbox } = services;
    const base = extranet.url;
    const organizationId = await addOrganization(extranet.db, { name: 'Contoso Pharmaceuticals' });
    const dana = await addProfile(extranet.db, {
      organizationId,
      name: 'Dana Buyer',
      email: 'dana@contoso.example',
      isAdmin: true,
    });
    const danaPassport = await registerPerson(services.idp);

    // Dana signs in; her Passport was associated with her profile earlier.
    const page = await administrator.page();
    await page.goto(`${base}/auth/sign-in?return=/account`);
    await signInAtPassport(page, danaPassport);
    await page.waitForURL((url) => url.origin === new URL(base).origin);
    await linkPassport(extranet.db, await newestSignIn(extranet.db), dana);

    // My Account > Account Information > Our CustomerSource Accounts > Add New Professionals (seed 001).
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'My Account' }).click();
    await expectHeading(page, 'My Account', { exact: true });
    await page.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await expectHeading(page, 'Our CustomerSource Accounts', { exact: true });
    await page.getByRole('link', { name: 'Add New Professionals' }).click();
    await expectHeading(page, 'Add New Professionals', { exact: true });

    await page.getByLabel('E-mail address').fill('not an address');
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = (await page.getByRole('alert').textContent()) ?? '';
    expect(alert).toContain('Name is required.');
    expect(alert).toContain('Enter a valid e-mail address.');
    expect(await page.locator('#email-error').textContent()).toBe('Enter a valid e-mail address.');

    await page.getByLabel('Name').fill('Robin New');
    await page.getByLabel('E-mail address').fill('robin@contoso.example');
    await page.getByLabel('Send Invite E-mail to this user').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expectHeading(page, 'Our CustomerSource Accounts', { exact: true });
    expect(await page.getByRole('status').textContent()).toContain('an invite e-mail was sent');
    expect(await page.getByRole('row', { name: /Robin New/ }).textContent()).toContain('Not linked yet');

    const mail = await mailbox.waitFor('robin@contoso.example', { subject: /invitation/i });
    const link = firstLink(mail, `${base}/associate/`);
    const token = await extranet.db
      .selectFrom('association_tokens')
      .innerJoin('profiles', 'profiles.id', 'association_tokens.profile_id')
      .select(['profiles.name', 'association_tokens.purpose', 'association_tokens.bound_subject'])
      .where('token_hash', '=', hashMailToken(new URL(link).pathname.split('/').pop()!))
      .executeTakeFirstOrThrow();
    expect(token).toEqual({ name: 'Robin New', purpose: 'invite', bound_subject: null });

    // Robin opens the link in another browser and signs in with a Passport of any address.
    const robinPassport = await registerPerson(services.idp);
    const robinPage = await invitee.page();
    await robinPage.goto(link);
    await signInAtPassport(robinPage, robinPassport);
    await robinPage.getByRole('button', { name: 'Associate my Passport' }).click();
    await expectHeading(robinPage, 'Association complete');
    await robinPage.getByRole('link', { name: 'Open CustomerSource' }).click();
    await expectHeading(robinPage, 'Resources');

    await page.reload();
    expect(await page.getByRole('row', { name: /Robin New/ }).textContent()).toContain(
      'Linked to a Passport',
    );

    // Robin leaves the company: the removal ends Robin's open session at once.
    await page.getByRole('link', { name: 'Robin New' }).click();
    await expectHeading(page, 'Edit profile', { exact: true });
    await page.getByRole('link', { name: 'Remove this profile' }).click();
    await expectHeading(page, 'Remove profile', { exact: true });
    await page.getByRole('button', { name: 'Remove profile' }).click();
    await expectHeading(page, 'Our CustomerSource Accounts', { exact: true });
    expect(await page.getByRole('row', { name: /Robin New/ }).count()).toBe(0);
    await robinPage.reload();
    // Passport still knows Robin, so the extranet signs Robin in again: with no profile left.
    await expectHeading(robinPage, 'Associate your Passport with your profile');

    // Dana is the organization's only administrator and cannot remove herself.
    await page.getByRole('link', { name: 'Dana Buyer' }).click();
    await page.getByRole('link', { name: 'Remove this profile' }).click();
    await page.getByRole('button', { name: 'Remove profile' }).click();
    expect(await page.getByRole('alert').textContent()).toContain(
      'Dana Buyer is the last administrator of Contoso Pharmaceuticals and cannot be removed.',
    );
  });
});
