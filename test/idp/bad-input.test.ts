import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newPerson, registerPerson, signUpForm, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../helpers/oidc-client.ts';

const TEN_KB = 'x'.repeat(10 * 1024);

async function rawPost(url: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, redirect: 'manual' });
}

describe('bad input is refused clearly, with a 4xx and nothing stored', () => {
  let idp: TestIdp;
  let person: TestPerson;

  async function storedCounts() {
    const count = async (table: 'accounts' | 'email_tokens' | 'outbox') =>
      Number(
        (
          await idp.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      accounts: await count('accounts'),
      tokens: await count('email_tokens'),
      mails: await count('outbox'),
    };
  }

  /** A sign-in page inside a live interaction, as a browser would have it. */
  async function interaction() {
    const config = await discover(idp.issuer, 'site', 'site-secret-0123456789-0123456789');
    const { url } = await authorizationRequest(config);
    const browser = new HttpSession();
    const { url: page } = await browser.follow(url);
    expect(page.pathname).toMatch(/^\/interaction\//);
    return {
      browser,
      loginUrl: `${page.origin}${page.pathname}/login`,
      signUpUrl: `${page.origin}${page.pathname}/signup`,
    };
  }

  beforeAll(async () => {
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'site',
          client_secret: 'site-secret-0123456789-0123456789',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
        },
      ],
    });
    person = await registerPerson(idp);
  });
  afterAll(async () => idp?.close());

  describe('sign in', () => {
    test.each([
      ['every field empty', { email: '', password: '' }, 'E-mail address is required'],
      [
        'an address that is not one',
        { email: 'not-an-address', password: 'whatever1' },
        'valid e-mail address',
      ],
      ['a 10 kB address', { email: `${TEN_KB}@example.test`, password: 'whatever1' }, 'too long'],
      ['a 10 kB password', { email: 'a@example.test', password: TEN_KB }, 'too long'],
    ])('%s', async (_name, form, message) => {
      const { browser, loginUrl } = await interaction();
      const response = await browser.request(loginUrl, { form });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain(message);
    });

    test('a password with a tab or a direction mark is refused like any other single-line field', async () => {
      const { browser, loginUrl } = await interaction();
      for (const password of [`${person.password}\t`, `\u202E${person.password}`]) {
        const response = await browser.request(loginUrl, { form: { email: person.email, password } });
        expect(response.status).toBe(400);
        expect(await response.text()).toContain('id="password-error"');
      }
    });

    test('a wrong password and an unknown address get the same message', async () => {
      const { browser, loginUrl } = await interaction();
      const wrong = await browser.request(loginUrl, {
        form: { email: person.email, password: 'Not-the-password-1' },
      });
      const unknown = await browser.request(loginUrl, {
        form: { email: 'nobody.here@example.test', password: 'Not-the-password-1' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const message = 'The e-mail address or password is incorrect.';
      expect(await wrong.text()).toContain(message);
      expect(await unknown.text()).toContain(message);
    });

    test('a field sent twice (wrong type)', async () => {
      const { browser, loginUrl } = await interaction();
      const response = await browser.request(loginUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=a%40example.test&email=b%40example.test&password=x',
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('sent more than once');
    });

    test('invalid UTF-8', async () => {
      const { browser, loginUrl } = await interaction();
      const response = await browser.request(loginUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=%FF%FE%40example.test&password=%C3%28abcdefgh',
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('not valid text');
    });

    test('JSON instead of a form', async () => {
      const { browser, loginUrl } = await interaction();
      const response = await browser.request(loginUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: person.email, password: person.password }),
      });
      expect(response.status).toBe(415);
    });

    test('a form for an interaction this browser is not in', async () => {
      const response = await rawPost(
        `${idp.issuer}/interaction/made-up-uid/login`,
        'email=a%40b.test&password=x',
      );
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('expired');
    });
  });

  describe('sign up', () => {
    test('every field empty: each is named and nothing is stored', async () => {
      const before = await storedCounts();
      const response = await rawPost(`${idp.issuer}/signup`, '');
      expect(response.status).toBe(400);
      const html = await response.text();
      for (const label of [
        'E-mail address',
        'Password',
        'Secret answer',
        'First name',
        'Last name',
        'Postal code',
      ]) {
        expect(html).toContain(`${label} is required`);
      }
      expect(await storedCounts()).toEqual(before);
    });

    test.each([
      ['a 10 kB first name', { first_name: TEN_KB }, 'too long'],
      ['a common password', { password: 'password123', password2: 'password123' }, 'too common'],
      ['a short password', { password: 'Ab1!', password2: 'Ab1!' }, 'at least 8'],
      ['passwords that differ', { password2: 'Something-else-42' }, 'do not match'],
      ['a country that does not exist', { country: 'QQ' }, 'from the list'],
      ['a question not on the list', { question: 'Who am I?' }, 'from the list'],
      ['invalid UTF-8 in a name', { last_name: '\uFFFD' }, 'not valid text'],
    ])('%s', async (_name, change, message) => {
      const before = await storedCounts();
      const form = { ...(await signUpForm(idp, newPerson())), ...change };
      const response = await rawPost(`${idp.issuer}/signup`, new URLSearchParams(form).toString());
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
      expect(await storedCounts()).toEqual(before);
    });

    const ONE_LINE = 'must be on one line, without line breaks or tabs';
    const DIRECTION = 'invisible characters that change the direction of the text';
    test.each([
      ['a line break in a name', 'first_name', 'Ada\nLovelace', ONE_LINE],
      ['a carriage return in an address', 'email', 'a\r@example.test', ONE_LINE],
      ['a tab in a postal code', 'postal_code', 'SW1A\t1AA', ONE_LINE],
      ['a Unicode line separator in a name', 'last_name', 'Love\u2028lace', ONE_LINE],
      ['a tab in a password', 'password', 'Correct-Horse\t-battery-1', ONE_LINE],
      ['a right-to-left override in a name', 'last_name', 'Love\u202Eecal', DIRECTION],
      ['a right-to-left override in an address', 'email', 'moc.\u202Eevil@example.test', DIRECTION],
      ['a right-to-left isolate in an answer', 'answer', 'Lis\u2067bon', DIRECTION],
      ['a left-to-right mark in a password', 'password', 'Correct-\u200EHorse-battery-1', DIRECTION],
      ['a right-to-left mark in a name', 'first_name', 'Ada\u200F', DIRECTION],
    ])('%s is refused next to the field', async (_name, field, value, message) => {
      const before = await storedCounts();
      const form = { ...(await signUpForm(idp, newPerson())), [field]: value };
      if (field === 'password') form.password2 = value;
      const response = await rawPost(`${idp.issuer}/signup`, new URLSearchParams(form).toString());
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toMatch(new RegExp(`<p class="field-error" id="${field}-error">[^<]*${message}`));
      expect(await storedCounts()).toEqual(before);
    });

    test('a replayed bot-check solution is refused and stores nothing', async () => {
      const form = await signUpForm(idp, newPerson());
      const first = await rawPost(`${idp.issuer}/signup`, new URLSearchParams(form).toString());
      expect(first.status).toBe(200);
      const before = await storedCounts();
      const replay = await rawPost(
        `${idp.issuer}/signup`,
        new URLSearchParams({ ...form, email: newPerson().email }).toString(),
      );
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('not a robot');
      expect(await storedCounts()).toEqual(before);
    });

    test('a missing bot-check solution is refused', async () => {
      const { altcha: _altcha, ...form } = await signUpForm(idp, newPerson());
      const response = await rawPost(`${idp.issuer}/signup`, new URLSearchParams(form).toString());
      expect(response.status).toBe(400);
    });

    test('an address that already has an account gets the same page, and its owner a mail', async () => {
      const fresh = await rawPost(
        `${idp.issuer}/signup`,
        new URLSearchParams(await signUpForm(idp, newPerson())).toString(),
      );
      const taken = await rawPost(
        `${idp.issuer}/signup`,
        new URLSearchParams(await signUpForm(idp, { ...newPerson(), email: person.email })).toString(),
      );
      expect(taken.status).toBe(fresh.status);
      const strip = (html: string) => html.replace(/<strong>[^<]*<\/strong>/, '');
      expect(strip(await taken.text())).toBe(strip(await fresh.text()));
      const mail = await idp.mailbox.waitFor(person.email, { subject: /already have a Passport/ });
      expect(mail.Text).toContain('nothing was changed');
    });
  });

  describe('activation links', () => {
    test('a replayed link creates nothing more, and says the Passport is already active', async () => {
      const someone = newPerson();
      const browser = new HttpSession();
      await browser.request(`${idp.issuer}/signup`, { form: await signUpForm(idp, someone) });
      const link = firstLink(
        await idp.mailbox.waitFor(someone.email, { subject: /Activate/ }),
        `${idp.issuer}/activate/`,
      );
      expect((await browser.request(link, { method: 'POST' })).status).toBe(200);
      const before = await storedCounts();
      const again = await browser.request(link, { method: 'POST' });
      expect(again.status).toBe(200);
      expect(await again.text()).toContain('already used to activate your Passport');
      expect((await browser.request(link)).status).toBe(200);
      expect(await storedCounts()).toEqual(before);
    });

    test.each([
      ['garbage', 'not-a-token'],
      ['the right shape but unknown', 'A'.repeat(43)],
      ['10 kB', TEN_KB],
    ])('a %s token', async (_name, token) => {
      const response = await fetch(`${idp.issuer}/activate/${token}`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('not valid');
    });

    test('an expired link', async () => {
      const someone = newPerson();
      await rawPost(`${idp.issuer}/signup`, new URLSearchParams(await signUpForm(idp, someone)).toString());
      const link = firstLink(
        await idp.mailbox.waitFor(someone.email, { subject: /Activate/ }),
        `${idp.issuer}/activate/`,
      );
      await idp.db
        .updateTable('email_tokens')
        .set({ expires_at: Date.now() - 1 })
        .where('consumed_at', 'is', null)
        .execute();
      const response = await rawPost(link, '');
      expect(response.status).toBe(410);
      expect(await response.text()).toContain('expired');
    });
  });
});
