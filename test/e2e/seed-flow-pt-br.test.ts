import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { idpCatalogues } from '../../idp/locales/catalogues.ts';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { relyingPartyCatalogues } from '../../relying-party/customersource/locales/catalogues.ts';
import { newPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { englishLeftovers, untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { firstLink, type MailMessage } from '../helpers/mailbox.ts';
import { expectHeading } from '../helpers/pages.ts';

const KEY = 'Lanterna-do-Porto-Azul-7';
const QUESTIONS = ['Cidade natal da sua mãe', 'Nome do primeiro animal de estimação', 'Professor favorito'];
const ANSWERS = ['Porto', 'Rex', 'Dona Almeida'];

/**
 * Seed 000 as a Brazilian customer lives it: the browser asks for pt-BR and
 * nothing else, and every page and every mail of both services answers in
 * Portuguese, with no catalogue key or English sentence left showing.
 */
describe('the CustomerSource seed flow in Brazilian Portuguese, in a real browser', () => {
  let system: Awaited<ReturnType<typeof startIdpAndExtranet>>;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  beforeAll(async () => {
    system = await startIdpAndExtranet({ env: { RP_REQUIRED_ACR: ACR_STRONG } });
    const contoso = await addOrganization(system.extranet.db, {
      name: 'Contoso Farmacêutica',
      kind: 'customer',
      plan: 'support',
    });
    await addProfile(system.extranet.db, {
      organizationId: contoso,
      name: 'Dana Compradora',
      email: 'dana@contoso.example',
      isAdmin: true,
      language: 'pt-BR',
    });
    browser = await openBrowser();
    await browser.context.setExtraHTTPHeaders({ 'Accept-Language': 'pt-BR,pt;q=0.9' });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  /** The page speaks Portuguese: its language, its words, and no key or English sentence in place of one. */
  async function expectPortuguese(page: Page, heading: string) {
    await expectHeading(page, heading);
    const catalogues = page.url().startsWith(system.idp.issuer) ? idpCatalogues : relyingPartyCatalogues;
    const html = await page.content();
    expect(await page.locator('html').getAttribute('lang'), page.url()).toBe('pt-BR');
    expect(untranslatedKeys(html, catalogues), page.url()).toEqual([]);
    expect(englishLeftovers(html, catalogues, 'pt-BR'), page.url()).toEqual([]);
  }

  /** The mail speaks Portuguese: subject and body, and no catalogue key. */
  function expectPortugueseMail(mail: MailMessage, subject: RegExp, words: string) {
    expect(mail.Subject).toMatch(subject);
    expect(mail.Text).toContain(words);
    expect(untranslatedKeys(mail.Text, idpCatalogues)).toEqual([]);
    expect(untranslatedKeys(mail.Text, relyingPartyCatalogues)).toEqual([]);
  }

  test('cadastro, chave de segurança, associação por e-mail, sucesso, extranet', async () => {
    const person = newPerson();
    const { idp, extranet, mailbox } = system;
    const page = await browser.page();

    await page.goto(extranet.url);
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-BR');
    expect(untranslatedKeys(await page.content(), relyingPartyCatalogues)).toEqual([]);
    await page.getByRole('link', { name: 'Entrar com o seu Passport' }).first().click();
    await expectPortuguese(page, 'Entrar');
    await page.getByRole('link', { name: 'Criar conta' }).click();
    await expectPortuguese(page, 'Criar um Passport');
    await page.getByLabel('Endereço de e-mail').fill(person.email);
    await page.getByLabel('Senha', { exact: true }).fill(person.password);
    await page.getByLabel('Digite a senha de novo').fill(person.password);
    await page.getByLabel('Pergunta secreta').selectOption({ label: QUESTIONS[1]! });
    await page.getByLabel('Resposta secreta').fill(person.answer);
    await page.getByLabel('Nome', { exact: true }).fill('Dana');
    await page.getByLabel('Sobrenome').fill('Compradora');
    await page.getByLabel('País ou região').selectOption('BR');
    await page.getByLabel('CEP ou código postal').fill('01310-100');
    await page.getByRole('button', { name: 'Criar conta' }).click();
    await expectPortuguese(page, 'Confira seu e-mail');

    const activation = await mailbox.waitFor(person.email, { subject: /Ative seu Passport/ });
    expectPortugueseMail(activation, /Ative seu Passport/, 'Ativar meu Passport');
    await page.goto(firstLink(activation, `${idp.issuer}/activate/`));
    await expectPortuguese(page, 'Ative seu Passport');
    await page.getByRole('button', { name: 'Ativar meu Passport' }).click();

    await expectPortuguese(page, 'Configure sua chave de segurança');
    await page.getByLabel('Chave de segurança', { exact: true }).fill(KEY);
    await page.getByLabel('Digite a chave de segurança de novo').fill(KEY);
    for (const [index, question] of QUESTIONS.entries()) {
      await page.getByLabel(`Pergunta ${index + 1}`).selectOption({ label: question });
      await page.getByLabel(`Resposta ${index + 1}`).fill(ANSWERS[index]!);
    }
    await page.getByRole('button', { name: 'Continuar' }).click();
    await expectPortuguese(page, 'Confirme suas respostas');
    for (const [index, answer] of ANSWERS.entries())
      await page.getByLabel(`Resposta ${index + 1}`).fill(answer);
    await page.getByRole('button', { name: 'Continuar' }).click();
    await expectPortuguese(page, 'Digite sua chave de segurança');
    await page.getByLabel('Chave de segurança', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continuar' }).click();

    await expectPortuguese(page, 'Associe o seu Passport ao seu perfil');
    await page.getByLabel('Endereço de e-mail').fill('Dana@Contoso.example');
    await page.getByRole('button', { name: 'Continuar' }).click();
    await page.getByRole('main').getByText('Você').first().waitFor();
    expect(untranslatedKeys(await page.content(), relyingPartyCatalogues)).toEqual([]);
    expect(englishLeftovers(await page.content(), relyingPartyCatalogues, 'pt-BR')).toEqual([]);

    const association = await mailbox.waitFor('dana@contoso.example', {
      subject: /Associe o seu Passport ao CustomerSource/,
    });
    expectPortugueseMail(association, /Associe o seu Passport/, 'Passport');
    await page.goto(firstLink(association, `${extranet.url}/associate/`));
    await expectPortuguese(page, 'Entrar');
    await page.getByLabel('Senha', { exact: true }).fill(person.password);
    if (!(await page.getByLabel('Endereço de e-mail').inputValue())) {
      await page.getByLabel('Endereço de e-mail').fill(person.email);
    }
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expectPortuguese(page, 'Digite sua chave de segurança');
    await page.getByLabel('Chave de segurança', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continuar' }).click();
    await expectPortuguese(page, 'Associe o seu Passport ao seu perfil');
    await page.getByRole('button', { name: 'Associar meu Passport' }).click();

    await expectPortuguese(page, 'Associação concluída');
    await page.getByRole('link', { name: 'Abrir o CustomerSource' }).click();
    await expectPortuguese(page, 'Recursos');

    // Every mail of the walk, to the person and to the profile's address, is Portuguese.
    const mails = await mailbox.list();
    const ours = mails.filter((mail) =>
      mail.To.some((to) => [person.email, 'dana@contoso.example'].includes(to.Address.toLowerCase())),
    );
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const summary of ours) {
      const mail = await mailbox.read(summary.ID);
      expect(untranslatedKeys(mail.Text, idpCatalogues), mail.Subject).toEqual([]);
      expect(englishLeftovers(mail.Text, idpCatalogues, 'pt-BR'), mail.Subject).toEqual([]);
      expect(englishLeftovers(mail.Text, relyingPartyCatalogues, 'pt-BR'), mail.Subject).toEqual([]);
      expect(mail.Text, mail.Subject).toMatch(/Passport/);
      expect(mail.Text, mail.Subject).toMatch(/\b(você|seu|sua|o|para)\b/i);
    }
  });
});
