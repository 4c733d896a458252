import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { relyingPartyCatalogues } from '../../relying-party/customersource/locales/catalogues.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { linkPassport, newestSignIn } from '../helpers/extranet-admin.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';

type Services = Awaited<ReturnType<typeof startIdpAndExtranet>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

/** Passport's sign-in form, in whichever language the page speaks. */
async function signInAtPassport(
  page: Page,
  person: TestPerson,
  words = { title: 'Sign in', email: 'E-mail address', password: 'Password', submit: 'Sign in' },
) {
  await expectHeading(page, words.title, { exact: true });
  await page.getByLabel(words.email).fill(person.email);
  await page.getByLabel(words.password, { exact: true }).fill(person.password);
  await page.getByRole('button', { name: words.submit, exact: true }).click();
}

const PORTUGUESE_PASSPORT = {
  title: 'Entrar',
  email: 'Endereço de e-mail',
  password: 'Senha',
  submit: 'Entrar',
};

async function expectNoRawKeys(page: Page) {
  expect(untranslatedKeys(await page.content(), relyingPartyCatalogues), page.url()).toEqual([]);
}

describe('the extranet in Brazilian Portuguese', () => {
  let services: Services;
  let brazilian: Browser;
  let english: Browser;
  let organizationId: string;
  let administrator: TestPerson;

  beforeAll(async () => {
    services = await startIdpAndExtranet();
    brazilian = await openBrowser();
    english = await openBrowser();
    await (await brazilian.page()).setExtraHTTPHeaders({ 'Accept-Language': 'pt-BR,pt;q=0.9' });
    organizationId = await addOrganization(services.extranet.db, { name: 'Contoso Farmacêutica' });
    const dana = await addProfile(services.extranet.db, {
      organizationId,
      name: 'Dana Compradora',
      email: 'dana@contoso.example',
      isAdmin: true,
    });
    administrator = await registerPerson(services.idp);
    const page = await brazilian.page();
    await page.goto(`${services.extranet.url}/auth/sign-in?return=/account`);
    // The site passes its language on to Passport (ui_locales).
    await signInAtPassport(page, administrator, PORTUGUESE_PASSPORT);
    await page.waitForURL((url) => url.origin === services.extranet.url);
    await linkPassport(services.extranet.db, await newestSignIn(services.extranet.db), dana);
  });

  afterAll(async () => {
    await brazilian?.close();
    await english?.close();
    await services?.close();
  });

  test('a browser that asks for pt-BR reads every page, message and header in Portuguese, with no raw key', async () => {
    const page = await brazilian.page();
    await page.goto(`${services.extranet.url}/account`);
    await expectHeading(page, 'Minha Conta', { exact: true });
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-BR');
    expect(await page.locator('header').textContent()).toContain('Conectado como Dana Compradora');
    expect(await page.locator('header [aria-current="page"]').textContent()).toBe('Minha Conta');
    await expectNoRawKeys(page);

    await page.getByRole('link', { name: 'Nossas contas do CustomerSource' }).click();
    await expectHeading(page, 'Nossas contas do CustomerSource', { exact: true });
    expect(await page.getByRole('row', { name: /Dana Compradora/ }).textContent()).toContain(
      'Associado a um Passport',
    );
    await expectNoRawKeys(page);

    await page.getByRole('link', { name: 'Adicionar novos profissionais' }).click();
    await page.getByLabel('Endereço de e-mail').fill('não é um endereço');
    await page.getByRole('button', { name: 'Salvar' }).click();
    const alert = (await page.getByRole('alert').textContent()) ?? '';
    expect(alert).toContain('O campo Nome é obrigatório.');
    await expectNoRawKeys(page);

    for (const [path, heading] of [
      ['/profile', 'Perfil pessoal'],
      ['/resources', 'Recursos'],
      ['/associate', 'Associe o seu Passport ao seu perfil'],
      ['/nada-aqui', 'Página não encontrada'],
    ] as const) {
      await page.goto(`${services.extranet.url}${path}`);
      await expectHeading(page, heading, { exact: true });
      await expectNoRawKeys(page);
    }
    expect(await page.getByRole('link', { name: 'Voltar ao CustomerSource' }).count()).toBe(1);
  });

  test('the language switch on the front door changes the language, and Passport follows', async () => {
    const page = await english.page();
    await page.goto(`${services.extranet.url}/`);
    await expectHeading(page, 'Welcome to CustomerSource');
    await page.getByRole('link', { name: 'Português (Brasil)' }).click();
    await expectHeading(page, 'Bem-vindo ao CustomerSource');
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-BR');
    await page.getByRole('link', { name: 'Entrar com o seu Passport' }).click();
    await expectHeading(page, 'Entrar', { exact: true });
    expect(await page.getByLabel('Senha', { exact: true }).count()).toBe(1);
    await page.goto(`${services.extranet.url}/`);
    await page.getByRole('link', { name: 'English' }).click();
    await expectHeading(page, 'Welcome to CustomerSource');
  });

  test("an invite speaks its sender's language until the profile's owner associates, then the owner's", async () => {
    const page = await brazilian.page();
    await page.goto(`${services.extranet.url}/account/profiles/new`);
    await page.getByLabel('Nome').fill('Robin Novo');
    await page.getByLabel('Endereço de e-mail').fill('robin@contoso.example');
    await page.getByLabel('Enviar e-mail de convite a este usuário').check();
    await page.getByRole('button', { name: 'Salvar' }).click();
    await expectHeading(page, 'Nossas contas do CustomerSource', { exact: true });
    expect(await page.getByRole('status').textContent()).toContain(
      'O perfil foi adicionado e um e-mail de convite foi enviado.',
    );
    const invite = await services.mailbox.waitFor('robin@contoso.example', { subject: /convite/ });
    expect(invite.Subject).toBe('O seu convite para o CustomerSource');
    expect(invite.Text).toContain('Olá, Robin Novo,');
    expect(invite.Text).toContain('Você foi convidado a usar o CustomerSource por Contoso Farmacêutica.');

    // Robin reads CustomerSource in English and associates a Passport through the invite.
    const robin = await registerPerson(services.idp);
    const robinPage = await english.page();
    await robinPage.goto(`${services.extranet.url}/language?lang=en&return=/`);
    await robinPage.goto(firstLink(invite, `${services.extranet.url}/associate/`));
    await signInAtPassport(robinPage, robin);
    await robinPage.getByRole('button', { name: 'Associate my Passport' }).click();
    await expectHeading(robinPage, 'Association complete');

    // The Portuguese-speaking administrator sends another invite: it goes out in Robin's English.
    await page.goto(`${services.extranet.url}/account/profiles`);
    await page.getByRole('link', { name: 'Robin Novo' }).click();
    await page.getByRole('button', { name: 'Enviar e-mail de convite' }).click();
    await expectHeading(page, 'Editar perfil', { exact: true });
    const resent = await services.mailbox.waitFor('robin@contoso.example', { subject: /invitation/ });
    expect(resent.Subject).toBe('Your invitation to CustomerSource');
    expect(resent.Text).toContain('You have been invited to use CustomerSource for Contoso Farmacêutica.');
  });
  test('signing out in Portuguese asks once, in honest Portuguese words', async () => {
    const page = await brazilian.page();
    await page.goto(`${services.extranet.url}/resources`);
    await expectHeading(page, 'Recursos', { exact: true });
    await page.getByRole('button', { name: 'Sair' }).click();
    await expectHeading(page, 'Sair', { exact: true });
    expect(await page.getByRole('button', { name: 'Sair do Passport e de todos os sites' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Sair só do CustomerSource' }).click();
    await expectHeading(page, 'Bem-vindo ao CustomerSource');
    expect(await page.getByRole('status').textContent()).toContain('Você saiu do CustomerSource.');
  });
});
