import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { expectAccessible } from '../helpers/accessibility.ts';
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
  if (!(await page.getByLabel('E-mail address').inputValue()))
    await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Every distinct state of CustomerSource's pages, checked by axe against WCAG
 * 2.1 A and AA: one browser for the file, one administrator walked from the
 * association onwards, then a support person.
 */
describe('every CustomerSource page passes axe (WCAG 2.1 AA)', () => {
  let services: Services;
  let browser: Browser;
  let page: Page;
  let dana: TestPerson;
  let organizationId: string;
  let danaProfile: string;
  let samProfile: string;

  beforeAll(async () => {
    services = await startIdpAndExtranet();
    organizationId = await addOrganization(services.extranet.db, {
      name: 'Contoso Pharmaceuticals',
      plan: 'support',
    });
    danaProfile = await addProfile(services.extranet.db, {
      organizationId,
      name: 'Dana Buyer',
      email: 'dana@contoso.example',
      isAdmin: true,
    });
    samProfile = await addProfile(services.extranet.db, {
      organizationId,
      name: 'Sam Engineer',
      email: 'sam@contoso.example',
    });
    dana = await registerPerson(services.idp);
    browser = await openBrowser();
    page = await browser.page();
  });

  afterAll(async () => {
    await browser?.close();
    await services?.close();
  });

  test('front door anonymous, not found, association form, refused, sent, link, confirmation', async () => {
    const { extranet, mailbox } = services;
    await page.goto(extranet.url);
    await expectAccessible(page, 'front door, anonymous');
    await page.goto(`${extranet.url}/no-such-page`);
    await expectHeading(page, 'Not found');
    await expectAccessible(page, 'not found');

    await page.goto(`${extranet.url}/auth/sign-in`);
    await signInAtPassport(page, dana);
    await expectHeading(page, 'Associate your Passport with your profile');
    await expectAccessible(page, 'association form');
    await page.getByLabel('E-mail address').fill('not an address');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'association form with errors');
    await page.getByLabel('E-mail address').fill('dana@contoso.example');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('You will be receiving an e-mail').waitFor();
    await expectAccessible(page, 'association sent');

    const mail = await mailbox.waitFor('dana@contoso.example', { after: new Date(Date.now() - 60_000) });
    await page.goto(firstLink(mail, `${extranet.url}/associate/`));
    await page.waitForLoadState();
    if (await page.getByRole('heading', { name: 'Sign in', exact: true }).count()) {
      await expectAccessible(page, 'association link asks for the Passport again');
      await signInAtPassport(page, dana);
    }
    await expectHeading(page, 'Associate your Passport with your profile');
    await expectAccessible(page, 'association confirmation');
    await page.getByRole('button', { name: 'Associate my Passport' }).click();
    await expectHeading(page, 'Association complete');
    await expectAccessible(page, 'association complete');
    await page.getByRole('link', { name: 'Open CustomerSource' }).click();
    await expectHeading(page, 'Resources');
    await expectAccessible(page, 'front door, signed in');
  });

  test('personal profile, company administration, with a refused form', async () => {
    const { extranet } = services;
    for (const path of ['/profile', '/account', '/account/profiles', '/account/profiles/new']) {
      await page.goto(`${extranet.url}${path}`);
      await page.waitForLoadState();
      await expectAccessible(page, path);
    }
    await page.getByRole('button').last().click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, '/account/profiles/new with errors');
    await page.goto(`${extranet.url}/account/profiles/${danaProfile}`);
    await expectAccessible(page, 'a profile');
    await page.goto(`${extranet.url}/account/profiles/${danaProfile}/remove`);
    await expectAccessible(page, 'removing a profile');
    await page.goto(`${extranet.url}/support`);
    await expectHeading(page, 'Access denied');
    await expectAccessible(page, 'support, refused to a customer');
  });

  test('profile chooser, when one Passport serves two companies', async () => {
    const { extranet } = services;
    const fabrikam = await addOrganization(extranet.db, { name: 'Fabrikam', kind: 'partner' });
    const second = await addProfile(extranet.db, {
      organizationId: fabrikam,
      name: 'Dana Buyer',
      email: 'dana@fabrikam.example',
    });
    const identity = await extranet.db
      .selectFrom('links')
      .select(['issuer', 'subject'])
      .where('profile_id', '=', danaProfile)
      .executeTakeFirstOrThrow();
    await linkPassport(extranet.db, identity, second);
    await page.goto(`${extranet.url}/profiles/choose`);
    await expectHeading(page, 'Choose a profile');
    await expectAccessible(page, 'profile chooser');
  });

  test('the front door, resources, profile and not found, in pt-BR', async () => {
    const { extranet, idp } = services;
    const brazilian = await openBrowser();
    try {
      await brazilian.context.setExtraHTTPHeaders({ 'Accept-Language': 'pt-BR,pt;q=0.9' });
      const sam = await registerPerson(idp);
      const p = await brazilian.page();
      await p.goto(extranet.url);
      await expectAccessible(p, 'pt-BR front door, anonymous');
      await p.goto(`${extranet.url}/nao-existe`);
      await expectAccessible(p, 'pt-BR not found');
      await p.goto(`${extranet.url}/auth/sign-in`);
      await expectHeading(p, 'Entrar', { exact: true });
      await p.getByLabel('Endereço de e-mail').fill(sam.email);
      await p.getByLabel('Senha', { exact: true }).fill(sam.password);
      await p.getByRole('button', { name: 'Entrar' }).click();
      await expectHeading(p, 'Associe o seu Passport ao seu perfil');
      await expectAccessible(p, 'pt-BR association form');
      await linkPassport(extranet.db, await newestSignIn(extranet.db), samProfile);
      for (const path of ['/', '/profile', '/account']) {
        await p.goto(`${extranet.url}${path}`);
        await expectAccessible(p, `pt-BR ${path}`);
      }
    } finally {
      await brazilian.close();
    }
  });

  test('signing out: the question at Passport, then the page that says so', async () => {
    const { extranet } = services;
    await page.goto(extranet.url);
    await page.getByRole('button', { name: 'Sign out' }).first().press('Enter');
    await page.waitForURL((url) => url.origin !== new URL(extranet.url).origin);
    await page.waitForLoadState();
    await expectAccessible(page, 'sign-out question at Passport');
    await page.getByRole('button', { name: /only/ }).click();
    await page.waitForURL((url) => url.origin === new URL(extranet.url).origin);
    await page.waitForLoadState();
    await expectAccessible(page, 'signed out of CustomerSource');
  });

  test('the page of a company whose plan has ended', async () => {
    const { extranet, idp } = services;
    const fabrikamTools = await addOrganization(extranet.db, {
      name: 'Fabrikam Tools',
      plan: 'support',
      planEndsAt: Date.now() - 30 * 24 * 60 * 60 * 1000,
    });
    const owner = await addProfile(extranet.db, {
      organizationId: fabrikamTools,
      name: 'Sam Owner',
      email: 'sam@fabrikam-tools.example',
    });
    const sam = await registerPerson(idp);
    const own = await openBrowser();
    try {
      const p = await own.page();
      await p.goto(`${extranet.url}/auth/sign-in`);
      await signInAtPassport(p, sam);
      await p.waitForURL((url) => url.origin === new URL(extranet.url).origin);
      await linkPassport(extranet.db, await newestSignIn(extranet.db), owner);
      await p.goto(`${extranet.url}/resources`);
      await expectHeading(p, 'Your service plan has ended');
      await expectAccessible(p, 'plan ended');
    } finally {
      await own.close();
    }
  });

  test('support pages, for the staff support role', async () => {
    const { extranet, idp } = services;
    const staff = await addOrganization(extranet.db, { name: 'Passport Network', kind: 'staff', plan: null });
    const supportProfile = await addProfile(extranet.db, {
      organizationId: staff,
      name: 'Riley Support',
      email: 'riley@passport.example',
      isSupport: true,
    });
    const riley = await registerPerson(idp);
    const own = await openBrowser();
    try {
      const p = await own.page();
      await p.goto(`${extranet.url}/auth/sign-in`);
      await signInAtPassport(p, riley);
      await p.waitForURL((url) => url.origin === new URL(extranet.url).origin);
      await linkPassport(extranet.db, await newestSignIn(extranet.db), supportProfile);
      await p.goto(`${extranet.url}/support`);
      await expectHeading(p, 'Support', { exact: true });
      await expectAccessible(p, 'support');
      await p.goto(`${extranet.url}/support?q=Contoso`);
      await expectAccessible(p, 'support search');
      await p.goto(`${extranet.url}/support/organizations/${organizationId}`);
      await expectAccessible(p, 'support: an organization');
    } finally {
      await own.close();
    }
  });
});
