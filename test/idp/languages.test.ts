import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { idpCatalogues } from '../../idp/locales/catalogues.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { englishLeftovers, untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../helpers/oidc-client.ts';

const PORTUGUESE = { 'accept-language': 'pt-BR,pt;q=0.9' };
const ENGLISH = { 'accept-language': 'en-US,en;q=0.9' };

describe('Passport speaks English and Brazilian Portuguese', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'site',
          client_name: 'Site',
          token_endpoint_auth_method: 'none',
          redirect_uris: [REDIRECT_URI],
        },
      ],
    });
  });

  afterAll(async () => {
    await idp?.close();
  });

  /** The sign-in page of a fresh authorization request, as a browser with `headers` sees it. */
  async function signInPage(
    session: HttpSession,
    headers: Record<string, string>,
    params: Record<string, string> = {},
  ) {
    const config = await discover(idp.issuer, 'site');
    const request = await authorizationRequest(config, params);
    const start = await session.request(request.url, { headers });
    const interaction = new URL(start.headers.get('location')!, idp.issuer);
    const page = await session.request(interaction, { headers });
    return { interaction, status: page.status, html: await page.text() };
  }

  test('a browser asking for Portuguese gets the sign-in page in Portuguese ("Senha")', async () => {
    const { html } = await signInPage(new HttpSession(), PORTUGUESE);
    expect(html).toContain('<html lang="pt-BR">');
    expect(html).toMatch(/<label for="password">Senha<\/label>/);
    expect(html).toMatch(/<label for="email">Endereço de e-mail<\/label>/);
    expect(html).toContain('Esqueceu sua senha?');
    expect(untranslatedKeys(html, idpCatalogues)).toEqual([]);
  });

  test('a browser asking for English, or for a language we lack, gets English', async () => {
    for (const headers of [ENGLISH, { 'accept-language': 'de-DE,fr;q=0.8' }, {}]) {
      const { html } = await signInPage(new HttpSession(), headers);
      expect(html).toContain('<html lang="en">');
      expect(html).toMatch(/<label for="password">Password<\/label>/);
      expect(untranslatedKeys(html, idpCatalogues)).toEqual([]);
    }
  });

  test("the site's ui_locales wins over the browser's Accept-Language", async () => {
    const portuguese = await signInPage(new HttpSession(), ENGLISH, { ui_locales: 'pt-BR' });
    expect(portuguese.html).toContain('<html lang="pt-BR">');
    expect(portuguese.html).toContain('Senha');
    const english = await signInPage(new HttpSession(), PORTUGUESE, { ui_locales: 'en' });
    expect(english.html).toContain('<html lang="en">');
    expect(english.html).toMatch(/<label for="password">Password<\/label>/);
  });

  test("the language switch wins over the browser's Accept-Language and brings the person back", async () => {
    const session = new HttpSession();
    const { interaction, html } = await signInPage(session, ENGLISH);
    const link = /<a href="([^"]+)" lang="pt-BR"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    expect(link).toBeDefined();
    const switched = await session.request(new URL(link!, idp.issuer), { headers: ENGLISH });
    expect(switched.status).toBe(303);
    expect(switched.headers.get('location')).toBe(interaction.pathname);
    expect(session.cookie('idp_lang')).toBe('pt-BR');
    const again = await session.request(new URL(interaction.pathname, idp.issuer), { headers: ENGLISH });
    const page = await again.text();
    expect(page).toContain('<html lang="pt-BR">');
    expect(page).toMatch(/<label for="password">Senha<\/label>/);
    // and back: the switch offers English on a Portuguese page
    expect(page).toMatch(/<a href="[^"]+" lang="en" hreflang="en">English<\/a>/);
  });

  test('the language switch never sends anyone to another site', async () => {
    const session = new HttpSession();
    for (const target of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const response = await session.request(
        `${idp.issuer}/language?lang=pt-BR&return=${encodeURIComponent(target)}`,
      );
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/');
    }
  });

  test('a refused sign-in says why in Portuguese', async () => {
    const session = new HttpSession();
    const { interaction } = await signInPage(session, PORTUGUESE);
    const response = await session.request(new URL(`${interaction.pathname}/login`, idp.issuer), {
      headers: { ...PORTUGUESE, origin: idp.issuer },
      form: { email: 'nobody@example.com', password: '' },
    });
    const html = await response.text();
    expect(response.status).toBe(400);
    expect(html).toContain('O campo Senha é obrigatório.');
    expect(html).toContain('Corrija os campos marcados.');
    expect(untranslatedKeys(html, idpCatalogues)).toEqual([]);
  });

  test('the home page and the not-found page follow the language too', async () => {
    const session = new HttpSession();
    const home = await (await session.request(`${idp.issuer}/`, { headers: PORTUGUESE })).text();
    expect(home).toContain('<html lang="pt-BR">');
    expect(home).toContain('Bem-vindo à Passport Network');
    expect(untranslatedKeys(home, idpCatalogues)).toEqual([]);
    const missing = await session.request(`${idp.issuer}/no-such-page`, { headers: PORTUGUESE });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Página não encontrada');
  });

  test('every page on the way in, and its errors, is Portuguese through and through', async () => {
    const session = new HttpSession();
    const { interaction } = await signInPage(session, PORTUGUESE);
    const pages = [
      '/',
      interaction.pathname,
      `${interaction.pathname}/signup`,
      '/signup',
      '/password/reset',
      '/password/reset/email',
      '/password/reset/answer',
      `/activate/${'A'.repeat(43)}`,
      '/no-such-page',
    ];
    for (const path of pages) {
      const html = await (await session.request(new URL(path, idp.issuer), { headers: PORTUGUESE })).text();
      expect(html, path).toContain('<html lang="pt-BR">');
      expect(untranslatedKeys(html, idpCatalogues), path).toEqual([]);
      expect(englishLeftovers(html, idpCatalogues, 'pt-BR'), path).toEqual([]);
    }
    const refused = await session.request(new URL('/signup', idp.issuer), {
      headers: { ...PORTUGUESE, origin: idp.issuer },
      form: { email: 'not-an-address', password: 'short', password2: 'other', question: 'nope' },
    });
    const html = await refused.text();
    expect(refused.status).toBe(400);
    expect(html).toContain('Digite um endereço de e-mail válido.');
    expect(html).toContain('O campo Nome é obrigatório.');
    expect(englishLeftovers(html, idpCatalogues, 'pt-BR')).toEqual([]);
  });

  test('the account pages speak Portuguese, and the personal data page chooses the mail language', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    await browser.request(`${idp.issuer}/language?lang=pt-BR&return=/`);
    const signIn = await browser.follow(`${idp.issuer}/account`, { headers: ENGLISH });
    // Passport's own account pages are named in the reader's language too, not by a client name.
    const signInHtml = await signIn.response.text();
    expect(signInHtml).toContain('<strong>conta Passport</strong>');
    expect(signInHtml).not.toContain('Passport account');
    const landed = await browser.follow(`${idp.issuer}${signIn.url.pathname}/login`, {
      headers: { ...ENGLISH, origin: idp.issuer },
      form: { email: person.email, password: person.password },
    });
    expect(landed.url.pathname).toBe('/account');
    const pages = [
      '/account',
      '/account/personal',
      '/account/address',
      '/account/remembered-accounts',
      '/account/sites',
      '/account/activity',
      '/account/confirm?return=/account/password',
    ];
    for (const path of pages) {
      const response = await browser.request(`${idp.issuer}${path}`, { headers: ENGLISH });
      const html = await response.text();
      expect(response.status, path).toBe(200);
      expect(html, path).toContain('<html lang="pt-BR">');
      expect(untranslatedKeys(html, idpCatalogues), path).toEqual([]);
      expect(englishLeftovers(html, idpCatalogues, 'pt-BR'), path).toEqual([]);
    }
    const saved = await browser.request(`${idp.issuer}/account/personal`, {
      headers: { ...ENGLISH, origin: idp.issuer },
      form: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        country: 'BR',
        postal_code: '01310-100',
        language: 'pt-BR',
      },
    });
    expect(saved.status).toBe(303);
    const stored = await idp.db
      .selectFrom('accounts')
      .select(['language', 'country'])
      .where('email', '=', person.email)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ language: 'pt-BR', country: 'BR' });
    const overview = await (await browser.request(`${idp.issuer}/account`, { headers: ENGLISH })).text();
    // Country names come from Intl.DisplayNames in the page's language.
    expect(overview).toContain('<dd>Brasil</dd>');
  });
});
