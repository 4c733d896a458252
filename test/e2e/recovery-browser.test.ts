import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newPerson, registerPerson, signUpForm } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';
import { startTestSite } from '../helpers/test-site.ts';

type Site = Awaited<ReturnType<typeof startTestSite>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

async function signInOnPage(page: Page, email: string, password: string) {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('password reset in a real browser', () => {
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
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await site?.close();
  });

  test('"Forgot your password?" mails a link; the new password then signs in to the site', async () => {
    const person = await registerPerson(idp);
    const newPassword = 'Fresh-Start-Password-7';
    const page = await browser.page();
    await page.goto(site.loginUrl);
    await expectHeading(page, 'Sign in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();

    await expectHeading(page, 'Forgot your password?');
    await page.getByRole('link', { name: 'Send me a link by e-mail' }).click();
    await expectHeading(page, 'Reset your password by e-mail');
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await expectHeading(page, 'Check your e-mail');

    const mail = await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/ });
    // Started from a sign-in, the link leads back into it.
    await page.goto(firstLink(mail, `${idp.issuer}/interaction/`));
    await expectHeading(page, 'Choose a new password');
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Retype password').fill('Not-the-same-password-7');
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await page.locator('#password2-error').textContent()).toContain('do not match');
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Retype password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expectHeading(page, 'Your password has been changed');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await expectHeading(page, 'Sign in');
    await signInOnPage(page, person.email, person.password);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('incorrect');
    await signInOnPage(page, person.email, newPassword);
    await page.waitForURL(`${site.origin}/callback**`);
    expect(await page.locator('#who').textContent()).toBe(person.email);
  });

  test('"This was not me" in the notice of a reset takes the Passport back', async () => {
    const person = await registerPerson(idp);
    await new HttpSession().request(`${idp.issuer}/password/reset/email`, { form: { email: person.email } });
    const link = firstLink(
      await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/ }),
      `${idp.issuer}/password/reset/link/`,
    );
    const intruderPassword = 'Intruder-Password-99';
    const reset = await fetch(link, {
      method: 'POST',
      body: new URLSearchParams({ password: intruderPassword, password2: intruderPassword }),
    });
    expect(reset.status).toBe(200);

    const notice = await idp.mailbox.waitFor(person.email, { subject: /password was changed/ });
    expect(notice.Text).toContain('This was not me');
    // A browser of its own: the earlier test left this one signed in.
    await browser.context.clearCookies();
    const page = await browser.page();
    await page.goto(firstLink(notice, `${idp.issuer}/password/not-me/`));
    await expectHeading(page, 'Take your Passport back');
    const ownPassword = 'Taken-Back-Password-8';
    await page.getByLabel('New password').fill(ownPassword);
    await page.getByLabel('Retype password').fill(ownPassword);
    await page.getByRole('button', { name: 'Take my Passport back' }).click();
    await expectHeading(page, 'Your Passport is back in your hands');

    await page.goto(site.loginUrl);
    await expectHeading(page, 'Sign in');
    await signInOnPage(page, person.email, intruderPassword);
    await page.getByRole('alert').waitFor();
    await signInOnPage(page, person.email, ownPassword);
    await page.waitForURL(`${site.origin}/callback**`);
    expect(await page.locator('#who').textContent()).toBe(person.email);
  });

  test('an activation link opened in another browser asks for the password chosen at sign-up', async () => {
    const person = newPerson();
    await new HttpSession().request(`${idp.issuer}/signup`, { form: await signUpForm(idp, person) });
    const mail = await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    await browser.context.clearCookies();
    const page = await browser.page();
    await page.goto(firstLink(mail, `${idp.issuer}/activate/`));
    await expectHeading(page, 'Activate your Passport');
    await page.getByLabel('Password').fill('Not-the-sign-up-password-1');
    await page.getByRole('button', { name: 'Activate my Passport' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(
      'not the password this sign-up was made with',
    );
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Activate my Passport' }).click();
    await expectHeading(page, 'Your Passport is ready');
  });

  test('on a browser used before, the secret answer resets the password; the page asks nothing sites know', async () => {
    const person = await registerPerson(idp);
    await browser.context.clearCookies();
    const page = await browser.page();
    await page.goto(site.loginUrl);
    await signInOnPage(page, person.email, person.password);
    await page.waitForURL(`${site.origin}/callback**`);

    await page.goto(`${idp.issuer}/password/reset`);
    await expectHeading(page, 'Forgot your password?');
    await page.getByRole('link', { name: 'Answer my secret question' }).click();
    await expectHeading(page, 'Reset your password with your secret answer');
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Answer your secret question');
    expect(await page.getByText('Your secret question: Name of first pet').count()).toBe(1);
    expect(await page.getByLabel('Country or region').count()).toBe(0);
    expect(await page.getByLabel('Postal code').count()).toBe(0);
    const newPassword = 'Answered-Password-4';
    await page.getByLabel('Secret answer').fill(person.answer);
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Retype password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expectHeading(page, 'Your password has been changed');

    await page.goto(site.loginUrl);
    await expectHeading(page, 'Sign in');
    await signInOnPage(page, person.email, newPassword);
    await page.waitForURL(`${site.origin}/callback**`);
    expect(await page.locator('#who').textContent()).toBe(person.email);
  });
});
