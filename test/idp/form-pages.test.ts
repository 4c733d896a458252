import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newPerson, signUpForm } from '../helpers/accounts.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';

async function post(url: string, form: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
}

/** The value an <input> shows, or undefined when it has none. */
function inputValue(html: string, id: string): string | undefined {
  const input = new RegExp(`<input id="${id}"[^>]*>`).exec(html)?.[0];
  if (!input) throw new Error(`no input #${id}`);
  return /value="([^"]*)"/.exec(input)?.[1] || undefined;
}

function summaryLinks(html: string): string[] {
  const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
  return [...summary.matchAll(/href="#([^"]+)"/g)].map((match) => match[1]!);
}

function idsInPageOrder(html: string, ids: string[]): string[] {
  return [...ids].sort((a, b) => html.indexOf(`id="${a}"`) - html.indexOf(`id="${b}"`));
}

describe('forms are shown again the one way', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp();
  });

  afterAll(async () => {
    await idp?.close();
  });

  async function activationTokens(email: string) {
    const rows = await idp.db
      .selectFrom('email_tokens')
      .select('token_hash')
      .where('purpose', '=', 'activate')
      .where('email_key', '=', email.toLowerCase())
      .execute();
    return rows.length;
  }

  test('a refused sign-up keeps the secret answer and every typed value but the passwords', async () => {
    const person = newPerson();
    const response = await post(`${idp.issuer}/signup`, {
      ...(await signUpForm(idp, person)),
      password2: 'Not-The-Same-42',
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(inputValue(html, 'answer')).toBe(person.answer);
    expect(inputValue(html, 'email')).toBe(person.email);
    expect(inputValue(html, 'first_name')).toBe('Ada');
    expect(inputValue(html, 'postal_code')).toBe('SW1A 1AA');
    expect(inputValue(html, 'password')).toBeUndefined();
    expect(inputValue(html, 'password2')).toBeUndefined();
    expect(html).not.toContain(person.password);
    expect(html.match(/aria-invalid="true"/g)).toHaveLength(1);
    expect(html).toMatch(/<input id="password2"[^>]*aria-invalid="true"/);
  });

  test('the summary takes the focus, orders its messages as the page, and links each to a field that exists', async () => {
    const { altcha: _altcha, ...form } = await signUpForm(idp, newPerson());
    const response = await post(`${idp.issuer}/signup`, {
      ...form,
      email: 'not-an-address',
      postal_code: '',
      password2: 'Not-The-Same-42',
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toMatch(/<div class="error-summary" role="alert" tabindex="-1" autofocus>/);
    const links = summaryLinks(html);
    expect(links).toEqual(['email', 'password2', 'postal_code']);
    for (const id of links) expect(html).toContain(`id="${id}"`);
    expect(links).toEqual(idsInPageOrder(html, links));
  });

  test('the bot-check error links to the check, which is on the page', async () => {
    const { altcha: _altcha, ...form } = await signUpForm(idp, newPerson());
    const response = await post(`${idp.issuer}/signup`, form);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(summaryLinks(html)).toEqual(['altcha']);
    expect(html).toContain('id="altcha"');
    expect(inputValue(html, 'answer')).toBe('Lisbon');
  });

  test('the same sign-up sent twice answers the same page twice and registers once', async () => {
    const person = newPerson();
    const page = await (await fetch(`${idp.issuer}/signup`)).text();
    const submission = /name="submission" value="([^"]+)"/.exec(page)?.[1];
    expect(submission).toBeDefined();
    const form = { ...(await signUpForm(idp, person)), submission: submission! };

    const first = await post(`${idp.issuer}/signup`, form);
    const again = await post(`${idp.issuer}/signup`, form);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(await first.text());
    expect(again.headers.get('set-cookie')).toBe(first.headers.get('set-cookie'));
    await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    expect(await activationTokens(person.email)).toBe(1);
  });

  test('the same form sent again with a corrected address is a new sign-up', async () => {
    const typo = newPerson();
    const corrected = newPerson();
    const page = await (await fetch(`${idp.issuer}/signup`)).text();
    const submission = /name="submission" value="([^"]+)"/.exec(page)![1]!;
    expect(
      (await post(`${idp.issuer}/signup`, { ...(await signUpForm(idp, typo)), submission })).status,
    ).toBe(200);
    const again = await post(`${idp.issuer}/signup`, { ...(await signUpForm(idp, corrected)), submission });
    expect(again.status).toBe(200);
    await idp.mailbox.waitFor(corrected.email, { subject: /Activate/ });
    expect(await activationTokens(corrected.email)).toBe(1);
  });

  test('without scripts a sign-up goes through without the proof, three per network and hour; then a clear message', async () => {
    const noScriptSignUp = async () => {
      const { altcha: _altcha, ...form } = await signUpForm(idp, newPerson());
      return post(`${idp.issuer}/signup`, { ...form, noscript: '1' });
    };
    for (let i = 0; i < 3; i++) expect((await noScriptSignUp()).status).toBe(200);
    const refused = await noScriptSignUp();
    expect(refused.status).toBe(429);
    const html = await refused.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('turn on JavaScript');
    expect(inputValue(html, 'answer')).toBe('Lisbon');

    const { altcha: _altcha, ...form } = await signUpForm(idp, newPerson());
    const inPortuguese = await fetch(`${idp.issuer}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'pt-BR' },
      body: new URLSearchParams({ ...form, noscript: '1' }).toString(),
    });
    expect(inPortuguese.status).toBe(429);
    expect(await inPortuguese.text()).toContain('ative o JavaScript');

    // A browser that runs the check is not held back by the no-script lane.
    expect((await post(`${idp.issuer}/signup`, await signUpForm(idp, newPerson()))).status).toBe(200);
  });
});

describe('a sign-up sent twice at once, on PostgreSQL', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp({ store: 'postgres' });
  });

  afterAll(async () => {
    await idp?.close();
  });

  test('registers once and mails once, and both sendings get the same page', async () => {
    const person = newPerson();
    const page = await (await fetch(`${idp.issuer}/signup`)).text();
    const submission = /name="submission" value="([^"]+)"/.exec(page)![1]!;
    const { altcha: _altcha, ...form } = await signUpForm(idp, person);
    // Without scripts both sendings pass the bot check's lane: only the sign-up itself can refuse the second.
    const sent = { ...form, noscript: '1', submission };
    const answers = await Promise.all([
      post(`${idp.issuer}/signup`, sent),
      post(`${idp.issuer}/signup`, sent),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
    const tokens = await idp.db
      .selectFrom('email_tokens')
      .select('token_hash')
      .where('purpose', '=', 'activate')
      .where('email_key', '=', person.email.toLowerCase())
      .execute();
    expect(tokens).toHaveLength(1);
    const mails = await idp.db
      .selectFrom('outbox')
      .select('id')
      .where('recipient', '=', person.email)
      .execute();
    expect(mails).toHaveLength(1);
  });
});
