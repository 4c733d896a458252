import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
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
});
