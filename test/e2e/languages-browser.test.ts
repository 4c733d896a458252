import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { idpCatalogues } from '../../idp/locales/catalogues.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { expectHeading } from '../helpers/pages.ts';
import { startTestSite } from '../helpers/test-site.ts';

describe('Passport in Brazilian Portuguese, in a real browser', () => {
  let idp: TestIdp;
  let site: Awaited<ReturnType<typeof startTestSite>>;
  let person: TestPerson;

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
    person = await registerPerson(idp);
  });

  afterAll(async () => {
    await idp?.close();
    await site?.close();
  });

  test('a browser asking for pt-BR signs in with Portuguese labels, and the switch turns the page English', async () => {
    const browser = await openBrowser();
    try {
      await browser.context.setExtraHTTPHeaders({ 'accept-language': 'pt-BR,pt;q=0.9' });
      const page = await browser.page();
      await page.goto(site.loginUrl);
      await expectHeading(page, 'Entrar');
      expect(await page.locator('html').getAttribute('lang')).toBe('pt-BR');
      expect(untranslatedKeys(await page.content(), idpCatalogues)).toEqual([]);
      await expect(page.getByLabel('Endereço de e-mail').count()).resolves.toBe(1);
      await expect(page.getByRole('link', { name: 'Esqueceu sua senha?' }).count()).resolves.toBe(1);

      // The switch is a plain link on every page; English comes back on the same sign-in.
      await page.getByRole('link', { name: 'English' }).click();
      await expectHeading(page, 'Sign in');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByRole('link', { name: 'Português (Brasil)' }).click();
      await expectHeading(page, 'Entrar');

      // The bot check speaks the page's language too.
      await page.getByRole('link', { name: 'Criar conta' }).click();
      await expectHeading(page, 'Criar um Passport');
      await page.getByText('Eu não sou um robô').waitFor();
      await page.goBack();
      await expectHeading(page, 'Entrar');

      await page.getByLabel('Endereço de e-mail').fill(person.email);
      await page.getByLabel('Senha', { exact: true }).fill(person.password);
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.waitForURL(`${site.origin}/callback**`);
      expect(await page.locator('#who').textContent()).toBe(person.email);
    } finally {
      await browser.close();
    }
  });
});
