import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { expectAccessible, expectAccessibleWithoutScript } from '../helpers/accessibility.ts';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';
import { startTestSite } from '../helpers/test-site.ts';

type Services = Awaited<ReturnType<typeof startIdpAndExtranet>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

const KEY = 'Blue-Harbour-Lantern-7';
const QUESTIONS = ["Mother's birthplace", 'Name of first pet', 'Favourite teacher'];
const ANSWERS = ['Porto', 'Rex', 'Mrs Almeida'];

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Every distinct state of Passport's pages, checked by axe against WCAG 2.1 A
 * and AA: one browser for the file, one person walked from sign-up onwards.
 */
describe('every Passport page passes axe (WCAG 2.1 AA)', () => {
  let services: Services;
  let browser: Browser;
  let page: Page;
  const person = newPerson();

  beforeAll(async () => {
    services = await startIdpAndExtranet({ env: { RP_REQUIRED_ACR: ACR_STRONG } });
    browser = await openBrowser();
    page = await browser.page();
  });

  afterAll(async () => {
    await browser?.close();
    await services?.close();
  });

  test('the check itself fails on a field without a label, naming the rule', async () => {
    await page.setContent('<!doctype html><html lang="en"><title>t</title><main><input></main></html>');
    await expect(expectAccessible(page, 'a bare field')).rejects.toThrow(/label/);
  });

  test('home, sign-up empty and refused, check your e-mail, activation', async () => {
    const { idp, mailbox } = services;
    await page.goto(idp.issuer);
    await expectAccessible(page, 'home');
    await page.goto(`${idp.issuer}/signup`);
    await expectAccessible(page, 'sign-up');
    await page.getByLabel('E-mail address').fill('not-an-address');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'sign-up with errors');

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
    await expectAccessible(page, 'check your e-mail');

    const activation = await mailbox.waitFor(person.email, { subject: /Activate/ });
    const link = firstLink(activation, `${idp.issuer}/activate/`);
    await page.goto(link);
    await expectAccessible(page, 'activation');
    await page.getByRole('button', { name: 'Activate my Passport' }).click();
    await page.waitForLoadState();
    await expectAccessible(page, 'activated');
    await page.goto(link);
    await expectAccessible(page, 'activation link already used');
  });

  test('sign-in empty and refused; security key set-up, confirm, entry, reset', async () => {
    const { extranet } = services;
    await page.context().clearCookies();
    await page.goto(`${extranet.url}/auth/sign-in`);
    await expectHeading(page, 'Sign in', { exact: true });
    await expectAccessible(page, 'sign-in');
    await signIn(page, person.email, 'Not-the-password-1');
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'sign-in refused');
    await signIn(page, person.email, person.password);

    await expectHeading(page, 'Set up your security key');
    await expectAccessible(page, 'security key set-up');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByLabel('Retype security key').fill('Something-else-entirely-9');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'security key set-up with errors');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByLabel('Retype security key').fill(KEY);
    for (const [index, question] of QUESTIONS.entries()) {
      await page.getByLabel(`Question ${index + 1}`).selectOption(question);
      await page.getByLabel(`Answer ${index + 1}`).fill(ANSWERS[index]!);
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Confirm your answers');
    await expectAccessible(page, 'security key confirm');
    for (const [index, answer] of ANSWERS.entries())
      await page.getByLabel(`Answer ${index + 1}`).fill(answer);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Enter your security key');
    await expectAccessible(page, 'security key entry');
    await page.getByLabel('Security key', { exact: true }).fill('Wrong-Key-Entirely-1');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'security key entry refused');
    const entry = page.url();
    await page.getByRole('link', { name: 'Reset your security key' }).click();
    await expectHeading(page, 'Reset your security key');
    await expectAccessible(page, 'security key reset');
    await page.goto(entry);
    await expectHeading(page, 'Enter your security key');
    await page.getByLabel('Security key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Associate your Passport with your profile');
  });

  test('account services: every page, a refused change, sign-out question, signed out', async () => {
    const { idp } = services;
    await page.goto(`${idp.issuer}/account`);
    await page.waitForLoadState();
    if (await page.getByLabel('Password', { exact: true }).count()) {
      await signIn(page, person.email, person.password);
    }
    await expectHeading(page, 'Your Passport', { exact: true });
    await expectAccessible(page, 'account services');
    for (const path of [
      'personal',
      'address',
      'email',
      'password',
      'alternate-email',
      'secret-question',
      'remembered-accounts',
      'sites',
      'activity',
    ]) {
      await page.goto(`${idp.issuer}/account/${path}`);
      await page.waitForLoadState();
      await expectAccessible(page, `account services: ${path}`);
    }
    await page.goto(`${idp.issuer}/account/password`);
    if (await page.getByLabel('Current password').count()) {
      await page.getByLabel('Current password').fill('Not-my-password-1');
      await page.getByLabel('New password').fill('Analytical-Engine-1843');
      await page.getByLabel('Retype password').fill('Analytical-Engine-1843');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('alert').waitFor();
      await expectAccessible(page, 'account services: password refused');
    }
    await page.goto(`${idp.issuer}/account/personal`);
    await page.getByLabel('First name').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'account services: personal data refused');

    await page.goto(`${idp.issuer}/session/end`);
    await page.waitForLoadState();
    await expectAccessible(page, 'sign-out question');
    await page.getByRole('button').first().click();
    await page.waitForLoadState();
    await expectAccessible(page, 'signed out');
  });

  test('sign-in with a remembered account; error pages: not found, expired sign-in', async () => {
    const { idp, extranet } = services;
    await page.context().clearCookies({ name: 'rp_session' });
    await page.goto(`${extranet.url}/auth/sign-in`);
    await page.getByRole('heading', { name: 'Accounts used on this device' }).waitFor();
    await expectAccessible(page, 'sign-in with remembered accounts');
    await page.goto(`${idp.issuer}/no-such-page`);
    await expectAccessible(page, 'not found');
    await page.goto(`${idp.issuer}/interaction/no-such-interaction`);
    await expectAccessible(page, 'expired sign-in');
    await page.goto(`${idp.issuer}/activate/no-such-token`);
    await expectAccessible(page, 'activation link not valid');
  });

  test('forgot password: choose, e-mail, link sent, new password, answer', async () => {
    const { idp, mailbox } = services;
    const other = await registerPerson(idp);
    const fresh = await openBrowser();
    try {
      const p = await fresh.page();
      await p.goto(`${idp.issuer}/account`);
      await expectHeading(p, 'Sign in', { exact: true });
      await p.getByRole('link', { name: 'Forgot your password?' }).click();
      await expectHeading(p, 'Forgot your password?');
      await expectAccessible(p, 'forgot password: choose');
      await p.getByRole('link', { name: 'Send me a link by e-mail' }).click();
      await expectHeading(p, 'Reset your password by e-mail');
      await expectAccessible(p, 'forgot password: e-mail');
      await p.getByRole('button', { name: 'Send me a link' }).click();
      await p.getByRole('alert').waitFor();
      await expectAccessible(p, 'forgot password: e-mail with error');
      await p.getByLabel('E-mail address').fill(other.email);
      await p.getByRole('button', { name: 'Send me a link' }).click();
      await expectHeading(p, 'Check your e-mail');
      await expectAccessible(p, 'forgot password: link sent');
      const mail = await mailbox.waitFor(other.email, { subject: /Reset your Passport password/ });
      await p.goto(firstLink(mail, `${idp.issuer}/`));
      await expectHeading(p, 'Choose a new password');
      await expectAccessible(p, 'forgot password: new password');
      await p.getByLabel('New password').fill('Fresh-Start-Password-7');
      await p.getByLabel('Retype password').fill('Not-the-same-password-7');
      await p.getByRole('button', { name: 'Change password' }).click();
      await p.getByRole('alert').waitFor();
      await expectAccessible(p, 'forgot password: new password with errors');
    } finally {
      await fresh.close();
    }
  });
  test('forgot password on a known browser: the secret answer, refused, then done', async () => {
    const { idp } = services;
    await page.goto(`${idp.issuer}/password/reset`);
    await page.getByRole('link', { name: 'Answer my secret question' }).click();
    await page.waitForLoadState();
    await expectAccessible(page, 'forgot password: answer, whose e-mail');
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectHeading(page, 'Answer your secret question');
    await expectAccessible(page, 'forgot password: answer');
    await page.getByLabel('Secret answer').fill('Not the answer');
    await page.getByLabel('New password').fill('Fresh-Start-Password-8');
    await page.getByLabel('Retype password').fill('Fresh-Start-Password-8');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'forgot password: answer refused');
    person.password = 'Fresh-Start-Password-8';
    await page.getByLabel('Secret answer').fill(person.answer);
    await page.getByLabel('New password').fill(person.password);
    await page.getByLabel('Retype password').fill(person.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expectHeading(page, 'Your password has been changed');
    await expectAccessible(page, 'forgot password: done');
  });
});

/**
 * The consent question, which only a third-party site raises, and the main
 * pages as a browser asking for Brazilian Portuguese gets them: longer words,
 * another `lang`, the same rules.
 */
describe('the consent question and the main Passport pages in pt-BR pass axe (WCAG 2.1 AA)', () => {
  let idp: TestIdp;
  let site: Awaited<ReturnType<typeof startTestSite>>;
  let english: Browser;
  let brazilian: Browser;

  beforeAll(async () => {
    site = await startTestSite({ clientId: 'third', clientSecret: 'third-party-site-secret-0123456789' });
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'third',
          client_secret: 'third-party-site-secret-0123456789',
          client_name: 'Elsewhere Ltd',
          redirect_uris: [site.redirectUri],
        },
      ],
    });
    site.useIssuer(idp.issuer);
    english = await openBrowser();
    brazilian = await openBrowser();
    await brazilian.context.setExtraHTTPHeaders({ 'Accept-Language': 'pt-BR,pt;q=0.9' });
  });

  afterAll(async () => {
    await english?.close();
    await brazilian?.close();
    await idp?.close();
    await site?.close();
  });

  test('consent, in English', async () => {
    const person = await registerPerson(idp);
    const page = await english.page();
    await page.goto(site.loginUrl);
    await signIn(page, person.email, person.password);
    await expectHeading(page, 'Allow access?');
    await expectAccessible(page, 'consent');
  });

  test('sign-up and the reset by secret answer without JavaScript', async () => {
    const noScript = await openBrowser({ javaScriptEnabled: false });
    try {
      const page = await noScript.page();
      const checker = await english.page();
      await page.goto(`${idp.issuer}/signup`);
      await expectAccessibleWithoutScript(page, checker, 'sign-up');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('alert').waitFor();
      await expectAccessibleWithoutScript(page, checker, 'sign-up with errors');
      await page.goto(`${idp.issuer}/password/reset/answer`);
      await expectAccessibleWithoutScript(page, checker, 'reset by secret answer');
    } finally {
      await noScript.close();
    }
  });

  test('home, sign-up, sign-in, consent, forgot password, not found, in pt-BR', async () => {
    const person = await registerPerson(idp);
    const page = await brazilian.page();
    await page.goto(idp.issuer);
    await expectAccessible(page, 'pt-BR home');
    await page.goto(`${idp.issuer}/signup`);
    await expectHeading(page, 'Criar um Passport');
    await expectAccessible(page, 'pt-BR sign-up');
    await page.getByRole('button', { name: 'Criar conta' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'pt-BR sign-up with errors');

    await page.goto(site.loginUrl);
    await expectHeading(page, 'Entrar', { exact: true });
    await expectAccessible(page, 'pt-BR sign-in');
    await page.getByLabel('Endereço de e-mail').fill(person.email);
    await page.getByLabel('Senha', { exact: true }).fill('Senha-errada-123');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'pt-BR sign-in refused');
    await page.getByLabel('Senha', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expectHeading(page, 'Permitir acesso?');
    await expectAccessible(page, 'pt-BR consent');

    await page.goto(`${idp.issuer}/password/reset`);
    await expectAccessible(page, 'pt-BR forgot password');
    await page.goto(`${idp.issuer}/password/reset/email`);
    await expectAccessible(page, 'pt-BR forgot password by e-mail');
    await page.goto(`${idp.issuer}/nao-existe`);
    await expectAccessible(page, 'pt-BR not found');
  });
});
