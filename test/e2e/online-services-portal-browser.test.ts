import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cataloguesOf } from '../../relying-party/kit/site.ts';
import { PORTAL_LOCALES } from '../../relying-party/online-services/portal/site.ts';
import type { Language } from '../../shared/i18n/languages.ts';
import { expectAccessible } from '../helpers/accessibility.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { englishLeftovers, untranslatedKeys } from '../helpers/catalogue-keys.ts';
import {
  type OnlineServicesNetwork,
  staffPerson,
  startOnlineServicesNetwork,
} from '../helpers/online-services.ts';
import { expectHeading } from '../helpers/pages.ts';

type Browser = Awaited<ReturnType<typeof openBrowser>>;

const catalogues = cataloguesOf({ locales: PORTAL_LOCALES });

const PASSPORT_WORDS = {
  en: { title: 'Sign in', email: 'E-mail address', password: 'Password', submit: 'Sign in' },
  'pt-BR': { title: 'Entrar', email: 'Endereço de e-mail', password: 'Senha', submit: 'Entrar' },
} as const;

async function signInAtPassport(page: Page, person: TestPerson, language: Language) {
  const words = PASSPORT_WORDS[language];
  await expectHeading(page, words.title, { exact: true });
  await page.getByLabel(words.email).fill(person.email);
  await page.getByLabel(words.password, { exact: true }).fill(person.password);
  await page.getByRole('button', { name: words.submit, exact: true }).click();
}

/** Every word from the catalogue, WCAG 2.1 AA, and nothing wider than a phone. */
async function checkPage(page: Page, language: Language, name: string) {
  const html = await page.content();
  expect(untranslatedKeys(html, catalogues), name).toEqual([]);
  if (language === 'pt-BR') expect(englishLeftovers(html, catalogues, 'pt-BR'), name).toEqual([]);
  await expectAccessible(page, `${name} (${language})`);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, `${name}: sideways scroll`).toBeLessThanOrEqual(0);
}

describe('the Customer Portal in a browser (seed 004)', () => {
  let network: OnlineServicesNetwork;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    network = await startOnlineServicesNetwork();
  }, 60_000);
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await network?.close();
  });

  async function phone(language: Language, javaScriptEnabled = true) {
    const browser = await openBrowser({ javaScriptEnabled });
    browsers.push(browser);
    const page = await browser.page();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.setExtraHTTPHeaders({
      'Accept-Language': language === 'en' ? 'en-US,en;q=0.9' : 'pt-BR,pt;q=0.9',
    });
    return page;
  }

  test.each(['en', 'pt-BR'] as const)(
    'every portal page, trial to blank password, in %s',
    async (language) => {
      const t = catalogues.t(language);
      const person = await registerPerson(network.idp);
      const page = await phone(language);

      await page.goto(`${network.portalUrl}/`);
      await expectHeading(page, t('home.title'));
      await checkPage(page, language, 'home');
      await page.getByRole('link', { name: t('common.sign_in') }).click();
      await signInAtPassport(page, person, language);

      await expectHeading(page, t('join.title'));
      await checkPage(page, language, 'join');
      await page.getByLabel(t('fields.company_name')).fill('');
      await page.getByRole('button', { name: t('join.submit') }).click();
      await expectHeading(page, t('join.title'));
      await page.getByRole('alert').waitFor();
      await checkPage(page, language, 'join with errors');
      await page.getByLabel(t('fields.your_name')).fill('Dana Buyer');
      await page.getByLabel(t('fields.company_name')).fill(`Contoso ${language}`);
      await page.getByLabel(t('fields.country')).selectOption('BR');
      await page.getByRole('button', { name: t('join.submit') }).click();

      await expectHeading(page, t('subscriptions.title'), { exact: true });
      await checkPage(page, language, 'subscriptions, none yet');
      const trialForm = page.locator('form[action="/subscriptions/trial"]');
      await trialForm.getByLabel(t('fields.product')).selectOption('bpos_standard');
      await trialForm.getByRole('button', { name: t('subscriptions.start_trial') }).click();
      await page.getByText(t('subscriptions.done.trial')).waitFor();
      await checkPage(page, language, 'subscriptions with a trial');
      const mail = await network.mailbox.waitFor(person.email, { subject: /./ });
      expect(mail.Subject).toBe(t('mail.credentials.subject', { product: t('products.bpos_standard') }));

      await page.getByRole('button', { name: t('subscriptions.activate') }).click();
      await expectHeading(page, t('subscriptions.title'), { exact: true });
      await page.getByRole('alert').waitFor();
      await checkPage(page, language, 'activation with errors');

      const product = t('products.bpos_standard');
      for (let retrieval = 1; retrieval <= 4; retrieval++) {
        await page.goto(`${network.portalUrl}/subscriptions`);
        await page.getByLabel(t('subscriptions.actions_for', { product })).selectOption('get_credentials');
        await page.getByRole('button', { name: t('subscriptions.go'), exact: true }).click();
        await expectHeading(page, t('credentials.title', { product }));
        if (retrieval === 1) {
          await page.getByRole('button', { name: t('credentials.copy_password') }).waitFor();
          await page.getByRole('button', { name: t('credentials.print') }).waitFor();
          expect(await page.locator('#password').textContent()).not.toBe('');
          await checkPage(page, language, 'credentials');
        }
      }
      expect(await page.locator('#password').textContent()).toBe('');
      await page.getByText(t('credentials.blank.exhausted')).waitFor();
      await checkPage(page, language, 'credentials, blank');
      await page.getByRole('link', { name: t('credentials.contact_support_link') }).click();
      await expectHeading(page, t('contact.title'));
      await checkPage(page, language, 'contact support');

      await page.goto(`${network.portalUrl}/people`);
      await expectHeading(page, t('people.title'));
      await checkPage(page, language, 'people');
      await page.getByRole('button', { name: t('people.add') }).click();
      await page.getByRole('alert').waitFor();
      await checkPage(page, language, 'people with errors');

      const staff = await staffPerson(network);
      const supportPage = await phone(language);
      await supportPage.goto(`${network.portalUrl}/auth/sign-in?return=/support`);
      await signInAtPassport(supportPage, staff, language);
      await expectHeading(supportPage, t('support.title'));
      await checkPage(supportPage, language, 'support');
      await supportPage.getByLabel(t('fields.company_name')).fill(`Contoso ${language}`);
      await supportPage.getByRole('button', { name: t('support.search') }).click();
      await supportPage.getByRole('link', { name: `Contoso ${language}` }).click();
      await expectHeading(supportPage, `Contoso ${language}`);
      await checkPage(supportPage, language, 'support company');
      await supportPage.getByRole('button', { name: t('support.reset') }).click();
      await supportPage.getByRole('alert').waitFor();
      await checkPage(supportPage, language, 'support company with errors');
      await supportPage.getByLabel(t('fields.ticket')).fill('SR-2040');
      await supportPage.getByRole('button', { name: t('support.reset') }).click();
      await supportPage.getByText(t('support.reset_done')).waitFor();
    },
    240_000,
  );

  test('without JavaScript: Get credentials and Go still work, and the page says how to print', async () => {
    const t = catalogues.t('en');
    const person = await registerPerson(network.idp);
    const page = await phone('en', false);
    await page.goto(`${network.portalUrl}/auth/sign-in?return=/subscriptions`);
    await signInAtPassport(page, person, 'en');
    await page.getByLabel(t('fields.your_name')).fill('Dana Buyer');
    await page.getByLabel(t('fields.company_name')).fill('No Script Co');
    await page.getByLabel(t('fields.country')).selectOption('US');
    await page.getByRole('button', { name: t('join.submit') }).click();
    const trialForm = page.locator('form[action="/subscriptions/trial"]');
    await trialForm.getByLabel(t('fields.product')).selectOption('exchange_online_standard');
    await trialForm.getByRole('button', { name: t('subscriptions.start_trial') }).click();
    await page.getByRole('button', { name: t('subscriptions.go'), exact: true }).click();
    const product = t('products.exchange_online_standard');
    await expectHeading(page, t('credentials.title', { product }));
    expect(await page.locator('#password').textContent()).not.toBe('');
    await page.getByText(t('credentials.print_hint')).waitFor();
    expect(await page.getByRole('button', { name: t('credentials.copy_password') }).isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: t('credentials.go_to_center') }).getAttribute('href')).toBe(
      network.centerUrl,
    );
  }, 120_000);
});
