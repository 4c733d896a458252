import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accountClientMetadata } from '../../idp/account-services/sign-in.ts';
import { newPerson, registerPerson, signUpForm } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';

const SECRET = 'next-steps-secret-0123456789abcdef';
const SITE_URI = 'http://127.0.0.1:9/';
const PT = { 'accept-language': 'pt-BR' };

/** The links a page offers, as "path text" pairs. */
function links(html: string): string[] {
  return [...html.matchAll(/<a [^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map(
    ([, href, text]) => `${href} ${text!.trim()}`,
  );
}

/** Links inside <main>: the masthead and the language switch do not count as a way on. */
function linksInMain(html: string): string[] {
  return links(/<main[\s\S]*<\/main>/.exec(html)?.[0] ?? '');
}

describe('every Passport page has a next step', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({
      env: { IDP_ISSUER: issuer },
      clients: [
        accountClientMetadata(issuer),
        {
          client_id: 'home',
          client_secret: SECRET,
          client_name: 'Home Site',
          client_uri: SITE_URI,
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
        },
      ],
    });
  });
  afterAll(async () => idp?.close());

  const url = (path: string) => `${idp.issuer}${path}`;

  test('the home page offers sign-in, sign-up, a forgotten password and account services, in both languages', async () => {
    const en = await (await fetch(url('/'))).text();
    expect(linksInMain(en)).toEqual(
      expect.arrayContaining([
        '/account Sign in',
        '/signup Sign up for a Passport',
        '/password/reset Forgot your password?',
        '/account Account services',
      ]),
    );
    const pt = await (await fetch(url('/'), { headers: PT })).text();
    expect(linksInMain(pt)).toEqual(
      expect.arrayContaining([
        '/account Entrar',
        '/signup Criar um Passport',
        '/password/reset Esqueceu sua senha?',
        '/account Serviços da conta',
      ]),
    );
  });

  test('Back to a finished sign-in page leads on to the site while the session is alive', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    const { url: start } = await authorizationRequest(await discover(idp.issuer, 'home', SECRET));
    const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);
    const signInPage = await browser.follow(start, {}, atCallback);
    expect(signInPage.url.pathname).toMatch(/^\/interaction\//);
    const done = await browser.follow(
      `${signInPage.url.origin}${signInPage.url.pathname}/login`,
      { form: { email: person.email, password: person.password } },
      atCallback,
    );
    expect(atCallback(done.url)).toBe(true);

    // The browser's Back button: the sign-in page of the finished interaction.
    const back = await browser.follow(signInPage.url);
    expect(back.response.status).toBe(200);
    const html = await back.response.text();
    expect(html).not.toContain('Your sign-in has expired');
    expect(linksInMain(html)).toEqual(
      expect.arrayContaining([`${SITE_URI} Continue to Home Site`, '/account Account services']),
    );
  });

  test('an expired sign-in page without a session offers a way on', async () => {
    const response = await fetch(url('/interaction/gone-long-ago'));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(linksInMain(html).length).toBeGreaterThan(0);
  });

  test('a second click on an activation link says the Passport is active and offers sign-in, in both languages', async () => {
    const person = newPerson();
    const browser = new HttpSession();
    await browser.request(url('/signup'), { form: await signUpForm(idp, person) });
    const mail = await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    const link = firstLink(mail, `${idp.issuer}/activate/`);
    expect((await browser.request(link, { method: 'POST' })).status).toBe(200);

    for (const again of [await browser.request(link), await browser.request(link, { method: 'POST' })]) {
      expect(again.status).toBe(200);
      const html = await again.text();
      expect(html).toContain('Your Passport is already active');
      expect(linksInMain(html)).toContain('/account Sign in');
    }
    const pt = await browser.request(link, { headers: PT });
    const html = await pt.text();
    expect(html).toContain('Seu Passport já está ativo');
    expect(linksInMain(html)).toContain('/account Entrar');
  });

  test('a used link of another kind still says it was used, and leads home', async () => {
    const response = await fetch(url('/activate/not-a-token-at-all'));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(linksInMain(await response.text())).toContain('/ Passport home');
  });

  test('end pages have a way on: mail sent, link sent, not found, signed out', async () => {
    const person = newPerson();
    const sent = await fetch(url('/signup'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(await signUpForm(idp, person)).toString(),
    });
    expect(sent.status).toBe(200);
    expect(linksInMain(await sent.text()).length).toBeGreaterThan(0);

    const reset = await fetch(url('/password/reset'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: person.email, method: 'email' }).toString(),
    });
    if (reset.status === 200) expect(linksInMain(await reset.text()).length).toBeGreaterThan(0);

    const missing = await fetch(url('/no-such-page'), { headers: PT });
    expect(missing.status).toBe(404);
    expect(linksInMain(await missing.text())).toContain('/ Início do Passport');
  });
});

describe('postal code where a country has one', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({ env: { IDP_ISSUER: issuer }, clients: [accountClientMetadata(issuer)] });
  });
  afterAll(async () => idp?.close());

  async function signUp(country: string, postalCode: string) {
    const form = { ...(await signUpForm(idp, newPerson())), country, postal_code: postalCode };
    return fetch(`${idp.issuer}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  test('a person in Hong Kong signs up without a postal code', async () => {
    expect((await signUp('HK', '')).status).toBe(200);
  });

  test('a person in Ireland may leave the Eircode out', async () => {
    expect((await signUp('IE', '')).status).toBe(200);
  });

  test('a person in Brazil still gives a postal code, and is told so', async () => {
    const response = await signUp('BR', '');
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/<input id="postal_code"[^>]*aria-invalid="true"/);
  });

  test('the sign-up page says which countries need no postal code', async () => {
    const html = await (await fetch(`${idp.issuer}/signup`)).text();
    expect(html).toMatch(/<input id="postal_code"(?![^>]*\brequired\b)[^>]*>/);
    expect(html).toContain('id="postal_code-hint"');
  });

  test('moving to Hong Kong in the account, the postal code may go; in Brazil it may not', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    const signInPage = await browser.follow(`${idp.issuer}/account`);
    await browser.follow(`${signInPage.url.origin}${signInPage.url.pathname}/login`, {
      form: { email: person.email, password: person.password },
    });
    const personal = (country: string) =>
      browser.request(`${idp.issuer}/account/personal`, {
        form: { first_name: 'Ada', last_name: 'Lovelace', country, postal_code: '' },
      });
    expect((await personal('BR')).status).toBe(400);
    expect((await personal('HK')).status).toBe(303);
    const address = await browser.request(`${idp.issuer}/account/address`, {
      form: { street: '1 Queen’s Road', city: 'Central', region: '', postal_code: '', country: 'HK' },
    });
    expect(address.status).toBe(303);
  });
});
