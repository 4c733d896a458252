import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminCenterCatalogues } from '../../relying-party/online-services/locales/admin/catalogues.ts';
import type { Language } from '../../shared/i18n/languages.ts';
import { expectAccessible } from '../helpers/accessibility.ts';
import { startTestAdministrationCenter, type TestAdministrationCenter } from '../helpers/admin-center.ts';
import { openBrowser } from '../helpers/browser.ts';
import { englishLeftovers, untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { expectHeading } from '../helpers/pages.ts';

type Browser = Awaited<ReturnType<typeof openBrowser>>;

/** Every word on the page from the catalogue, and the page passes WCAG 2.1 AA. */
async function checkPage(page: Page, language: Language, name: string) {
  const html = await page.content();
  expect(untranslatedKeys(html, adminCenterCatalogues), name).toEqual([]);
  if (language === 'pt-BR') expect(englishLeftovers(html, adminCenterCatalogues, 'pt-BR'), name).toEqual([]);
  await expectAccessible(page, `${name} (${language})`);
}

/** Nothing wider than a phone's screen: no sideways scrolling. */
async function expectNoSidewaysScroll(page: Page, name: string) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, name).toBeLessThanOrEqual(0);
}

describe('the Administration Center in a browser', () => {
  let center: TestAdministrationCenter;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    center = await startTestAdministrationCenter();
  });
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await center?.close();
  });

  test.each(['en', 'pt-BR'] as const)(
    'seed 004 steps 6 and 7, then the company managed, in %s',
    async (language) => {
      const t = adminCenterCatalogues.t(language);
      const browser = await openBrowser();
      browsers.push(browser);
      const page = await browser.page();
      await page.setExtraHTTPHeaders({
        'Accept-Language': language === 'en' ? 'en-US,en;q=0.9' : 'pt-BR,pt;q=0.9',
      });
      const tenant = await center.provision({ companyName: `Contoso ${language}`, language });
      const domain = tenant.userName.split('@')[1]!;

      // Step 6: sign in with the temporary credentials, then choose a password.
      await page.goto(`${center.url}/`);
      await expectHeading(page, t('sign_in.title'));
      expect(await page.locator('html').getAttribute('lang')).toBe(language);
      await checkPage(page, language, 'sign-in');
      await page.getByLabel(t('fields.user_name'), { exact: true }).fill(tenant.userName);
      await page.getByLabel(t('fields.password'), { exact: true }).fill('not the password');
      await page.getByRole('button', { name: t('sign_in.button'), exact: true }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toContain(t('errors.center_credentials_invalid.message'));
      expect(await page.getByLabel(t('fields.user_name'), { exact: true }).inputValue()).toBe(
        tenant.userName,
      );
      expect(await page.getByLabel(t('fields.password'), { exact: true }).inputValue()).toBe('');
      await checkPage(page, language, 'sign-in refused');
      await page.getByLabel(t('fields.password'), { exact: true }).fill(tenant.temporaryPassword);
      await page.getByRole('button', { name: t('sign_in.button'), exact: true }).click();

      await expectHeading(page, t('password.temporary_title'));
      await checkPage(page, language, 'forced password change');
      await page.getByLabel(t('fields.temporary_password'), { exact: true }).fill(tenant.temporaryPassword);
      await page.getByLabel(t('fields.new_password'), { exact: true }).fill('Chosen-pass-1');
      await page.getByLabel(t('fields.retype_password'), { exact: true }).fill('Chosen-pass-2');
      await page.getByRole('button', { name: t('password.button'), exact: true }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toContain(t('form_problems.passwords_differ'));
      await checkPage(page, language, 'forced password change refused');
      await page.getByLabel(t('fields.temporary_password'), { exact: true }).fill(tenant.temporaryPassword);
      await page.getByLabel(t('fields.new_password'), { exact: true }).fill('Chosen-pass-1');
      await page.getByLabel(t('fields.retype_password'), { exact: true }).fill('Chosen-pass-1');
      await page.getByRole('button', { name: t('password.button'), exact: true }).click();

      // Step 7: the service administrator creates their administrator account.
      await expectHeading(page, t('own_administrator.title'));
      await checkPage(page, language, 'own administrator account');
      await page.getByLabel(t('fields.user_name'), { exact: true }).fill('dana');
      await page.getByLabel(t('fields.display_name'), { exact: true }).fill('Dana Buyer');
      await page.getByLabel(t('fields.contact_email'), { exact: true }).fill('dana@contoso.example');
      await page.getByLabel(t('fields.password'), { exact: true }).fill('Dana-pass-123');
      await page.getByLabel(t('fields.retype_password'), { exact: true }).fill('Dana-pass-123');
      await page.getByRole('button', { name: t('own_administrator.button'), exact: true }).click();
      await expectHeading(page, t('own_administrator.done_title'));
      await checkPage(page, language, 'own administrator account ready');
      await page.getByRole('button', { name: t('own_administrator.sign_in_with_it'), exact: true }).click();

      await expectHeading(page, t('sign_in.title'));
      await page.getByLabel(t('fields.user_name'), { exact: true }).fill(`dana@${domain}`);
      await page.getByLabel(t('fields.password'), { exact: true }).fill('Dana-pass-123');
      await page.getByRole('button', { name: t('sign_in.button'), exact: true }).click();
      await expectHeading(page, t('home.title'), { exact: true });
      await checkPage(page, language, 'home');

      // Users: add one, whose temporary password is shown once.
      await page.getByRole('link', { name: t('home.users'), exact: true }).click();
      await expectHeading(page, t('users.title'), { exact: true });
      await checkPage(page, language, 'users');
      await page.getByRole('link', { name: t('users.add'), exact: true }).click();
      await expectHeading(page, t('users.new_title'), { exact: true });
      await page.getByLabel(t('fields.user_name'), { exact: true }).fill('lee');
      await page.getByLabel(t('fields.display_name'), { exact: true }).fill('Lee Clerk');
      await page.getByLabel(t('fields.role'), { exact: true }).selectOption('user');
      await page.getByRole('button', { name: t('users.create_button'), exact: true }).click();
      await expectHeading(page, t('users.created_title'), { exact: true });
      expect(await page.locator('code.secret').textContent()).toMatch(/^[A-Za-z2-9]{14}$/);
      await checkPage(page, language, 'user created');
      await page.getByRole('link', { name: t('users.back'), exact: true }).click();
      await page.getByRole('link', { name: `lee@${domain}`, exact: true }).click();
      await expectHeading(page, `lee@${domain}`, { exact: true });
      await checkPage(page, language, 'user');
      await page.getByRole('button', { name: t('users.disable_button'), exact: true }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain(t('notices.user-disabled'));

      // Settings: a bad address refused next to its field, then saved.
      await page.getByRole('link', { name: t('layout.settings'), exact: true }).click();
      await expectHeading(page, t('settings.title'), { exact: true });
      await checkPage(page, language, 'settings');
      await page.getByLabel(t('fields.contact_email'), { exact: true }).fill('not an address');
      await page.getByRole('button', { name: t('common.save'), exact: true }).click();
      await expect.poll(() => page.locator('#contact_email-error').textContent()).toBeTruthy();
      await checkPage(page, language, 'settings refused');
      await page.getByLabel(t('fields.contact_email'), { exact: true }).fill('it@contoso.example');
      await page.getByLabel(t('fields.time_zone'), { exact: true }).selectOption('America/Sao_Paulo');
      await page.getByRole('button', { name: t('common.save'), exact: true }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain(t('notices.settings-saved'));

      // Services: switch one off.
      await page.getByRole('link', { name: t('layout.services'), exact: true }).click();
      await expectHeading(page, t('services.title'), { exact: true });
      await checkPage(page, language, 'services');
      await page
        .getByRole('button', { name: t('services.disable', { service: 'SharePoint Online' }), exact: true })
        .click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain(t('notices.service-saved'));
      await page
        .getByRole('button', { name: t('services.enable', { service: 'SharePoint Online' }), exact: true })
        .waitFor();

      await page.getByRole('link', { name: t('layout.audit'), exact: true }).click();
      await expectHeading(page, t('audit.title'), { exact: true });
      await checkPage(page, language, 'audit');
      expect(await page.locator('main').textContent()).toContain(
        t('audit.actions.user_disabled', { subject: `lee@${domain}` }),
      );

      // A phone: every page reflows to one column.
      await page.setViewportSize({ width: 360, height: 740 });
      for (const path of ['/', '/users', '/settings', '/services', '/audit']) {
        await page.goto(`${center.url}${path}`);
        await expectNoSidewaysScroll(page, path);
      }
      await page.setViewportSize({ width: 1024, height: 860 });

      await page.getByRole('button', { name: t('layout.sign_out'), exact: true }).click();
      await expectHeading(page, t('sign_in.title'));
      expect(await page.getByRole('status').textContent()).toContain(t('sign_in.signed_out'));
    },
  );

  test('the language switch at the foot of the page, and a sign-in without JavaScript', async () => {
    const browser = await openBrowser({ javaScriptEnabled: false });
    browsers.push(browser);
    const page = await browser.page();
    const en = adminCenterCatalogues.t('en');
    const pt = adminCenterCatalogues.t('pt-BR');
    const tenant = await center.provision({ companyName: 'No Script Ltd' });
    await page.goto(`${center.url}/sign-in`);
    await expectHeading(page, en('sign_in.title'));
    await page.getByRole('link', { name: 'Português (Brasil)' }).click();
    await expectHeading(page, pt('sign_in.title'));
    await page.getByLabel(pt('fields.user_name'), { exact: true }).fill(tenant.userName);
    await page.getByLabel(pt('fields.password'), { exact: true }).fill(tenant.temporaryPassword);
    await page.getByRole('button', { name: pt('sign_in.button'), exact: true }).click();
    await expectHeading(page, pt('password.temporary_title'));
    await page.getByLabel(pt('fields.temporary_password'), { exact: true }).fill(tenant.temporaryPassword);
    await page.getByLabel(pt('fields.new_password'), { exact: true }).fill('Sem-script-1');
    await page.getByLabel(pt('fields.retype_password'), { exact: true }).fill('Sem-script-1');
    await page.getByRole('button', { name: pt('password.button'), exact: true }).click();
    await expectHeading(page, pt('own_administrator.title'));
  });
});
