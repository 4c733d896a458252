import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { idpCatalogues } from '../../idp/locales/catalogues.ts';
import { newPerson, registerPerson, signUpForm, type TestPerson } from '../helpers/accounts.ts';
import { untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { firstLink } from '../helpers/mailbox.ts';

const ENGLISH = { 'accept-language': 'en-US,en;q=0.9' };
const PORTUGUESE = { 'accept-language': 'pt-BR,pt;q=0.9' };

describe('the language carries between the site and Passport, and mail speaks its reader', () => {
  let services: Awaited<ReturnType<typeof startIdpAndExtranet>>;
  let person: TestPerson;

  beforeAll(async () => {
    services = await startIdpAndExtranet();
    person = await registerPerson(services.idp);
  });

  afterAll(async () => {
    await services?.close();
  });

  test("Portuguese chosen on the site is the language of Passport, and still the site's after sign-in", async () => {
    const { idp, extranet } = services;
    const browser = new HttpSession();
    // An English browser; the person picks Portuguese with the site's switch.
    const switched = await browser.request(`${extranet.url}/language?lang=pt-BR&return=/`, {
      headers: ENGLISH,
    });
    expect(switched.status).toBe(303);
    expect(browser.cookie('rp_lang')).toBe('pt-BR');

    const start = await browser.request(`${extranet.url}/auth/sign-in?return=/`, { headers: ENGLISH });
    const authorization = new URL(start.headers.get('location')!);
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('ui_locales')).toBe('pt-BR');

    const toInteraction = await browser.request(authorization, { headers: ENGLISH });
    const interaction = new URL(toInteraction.headers.get('location')!, idp.issuer);
    const page = await browser.request(interaction, { headers: ENGLISH });
    const html = await page.text();
    expect(html).toContain('<html lang="pt-BR">');
    expect(html).toMatch(/<label for="password">Senha<\/label>/);
    expect(untranslatedKeys(html, idpCatalogues)).toEqual([]);

    const back = await browser.follow(
      `${idp.issuer}${interaction.pathname}/login`,
      { form: { email: person.email, password: person.password }, headers: ENGLISH },
      (location) => location.origin === extranet.url && location.pathname === '/',
    );
    expect(back.url.origin).toBe(extranet.url);
    // Back at the site the choice holds: its next trip to Passport asks for Portuguese again.
    expect(browser.cookie('rp_lang')).toBe('pt-BR');
    const again = await browser.request(`${extranet.url}/auth/sign-in?return=/`, { headers: ENGLISH });
    expect(new URL(again.headers.get('location')!).searchParams.get('ui_locales')).toBe('pt-BR');
  });

  test("a site without a choice passes on the browser's language", async () => {
    const start = await new HttpSession().request(`${services.extranet.url}/auth/sign-in?return=/`, {
      headers: PORTUGUESE,
    });
    expect(new URL(start.headers.get('location')!).searchParams.get('ui_locales')).toBe('pt-BR');
  });

  test('a Passport signed up in Portuguese gets its mail in Portuguese, whoever asks', async () => {
    const { idp } = services;
    const brasileira = newPerson();
    const session = new HttpSession();
    const sent = await session.request(`${idp.issuer}/signup`, {
      form: await signUpForm(idp, brasileira),
      headers: { ...PORTUGUESE, origin: idp.issuer },
    });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('Confira seu e-mail');
    const activation = await idp.mailbox.waitFor(brasileira.email, { subject: /Ative seu Passport/ });
    expect(activation.Text).toContain('Obrigado por criar um Passport.');
    expect(activation.Text).toContain('Ativar meu Passport: ');
    await session.request(firstLink(activation, `${idp.issuer}/activate/`), { method: 'POST' });

    // Someone with an English browser asks for a reset link: the owner still reads Portuguese.
    const since = new Date();
    const asked = await new HttpSession().request(`${idp.issuer}/password/reset/email`, {
      form: { email: brasileira.email },
      headers: { ...ENGLISH, origin: idp.issuer },
    });
    expect(await asked.text()).toContain('Check your e-mail');
    const reset = await idp.mailbox.waitFor(brasileira.email, { subject: /Redefina a senha/, after: since });
    expect(reset.Subject).toBe('Redefina a senha do seu Passport');
    expect(reset.Text).toContain('Escolher uma nova senha: ');

    // And an English Passport keeps English mail even when asked from a Portuguese browser.
    const englishSince = new Date();
    await new HttpSession().request(`${idp.issuer}/password/reset/email`, {
      form: { email: person.email },
      headers: { ...PORTUGUESE, origin: idp.issuer },
    });
    const english = await idp.mailbox.waitFor(person.email, { subject: /Reset your/, after: englishSince });
    expect(english.Subject).toBe('Reset your Passport password');
  });
});
