import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueEmailToken } from '../../idp/accounts/email-tokens.ts';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { solveBotCheck } from '../helpers/botcheck.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';

const CLIENT_SECRET = 'recovery-site-secret-0123456789-0123456789';
const TEN_KB = 'x'.repeat(10 * 1024);
const RESET = '/password/reset';

function decodeHtml(text: string): string {
  return text
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** The question a secret-answer page asks. */
function askedQuestion(html: string): string {
  const match = /Your secret question: ([^<]*)<\/legend>/.exec(html);
  if (!match) throw new Error(`no secret question on the page: ${html.slice(0, 400)}`);
  return decodeHtml(match[1]!.trim());
}

describe('forgot your password', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;

  beforeAll(async () => {
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'site',
          client_secret: CLIENT_SECRET,
          client_name: 'Test Site',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
        },
      ],
    });
    config = await discover(idp.issuer, 'site', CLIENT_SECRET);
  });
  afterAll(async () => idp?.close());

  const url = (path: string) => `${idp.issuer}${path}`;

  async function accountOf(person: TestPerson) {
    return idp.db
      .selectFrom('accounts')
      .selectAll()
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
  }

  /** A sign-in page inside a live interaction, as a browser that came from the site has it. */
  async function signInPage() {
    const { url: start } = await authorizationRequest(config);
    const browser = new HttpSession();
    const { url: page } = await browser.follow(start);
    expect(page.pathname).toMatch(/^\/interaction\/[^/]+$/);
    return { browser, path: page.pathname };
  }

  /** Whether the password is accepted on the sign-in form (the flow goes on) or refused (401). */
  async function signInStatus(email: string, password: string): Promise<number> {
    const { browser, path } = await signInPage();
    const response = await browser.request(url(`${path}/login`), { form: { email, password } });
    return response.status;
  }

  /** A browser the person has signed in with before: only there is the secret answer asked. */
  async function ownersBrowser(person: TestPerson): Promise<HttpSession> {
    const browser = new HttpSession();
    await signIn(config, browser, person);
    return browser;
  }

  async function offlineRefreshToken(person: TestPerson): Promise<string> {
    const tokens = await signIn(config, new HttpSession(), person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    expect(tokens.refresh_token).toBeDefined();
    return tokens.refresh_token!;
  }

  async function requestLink(email: string, session = new HttpSession(), base = RESET) {
    const response = await session.request(url(`${base}/email`), { form: { email } });
    expect(response.status).toBe(200);
    return response;
  }

  async function mailedLink(person: TestPerson, after?: Date): Promise<string> {
    const mail = await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/, after });
    return firstLink(mail, url(`${RESET}/link/`));
  }

  async function answerForm(
    person: Pick<TestPerson, 'email' | 'answer'>,
    change: Record<string, string> = {},
  ): Promise<Record<string, string>> {
    const password = `New-Secret-${Math.random().toString(36).slice(2)}`;
    return {
      email: person.email,
      answer: person.answer,
      password,
      password2: password,
      altcha: await solveBotCheck(idp.issuer),
      ...change,
    };
  }

  async function mailsTo(address: string, subject: string) {
    const rows = await idp.db
      .selectFrom('outbox')
      .select('id')
      .where('recipient', '=', address)
      .where('subject', '=', subject)
      .execute();
    return rows.length;
  }

  describe('by a mailed link', () => {
    test('the link changes the password once: old password and refresh tokens stop working', async () => {
      const person = await registerPerson(idp);
      const refreshToken = await offlineRefreshToken(person);

      const choice = await fetch(url(RESET));
      expect(choice.status).toBe(200);
      const choices = await choice.text();
      expect(choices).toContain(`href="${RESET}/email"`);
      expect(choices).toContain(`href="${RESET}/answer"`);

      const sent = await requestLink(person.email);
      expect(await sent.text()).toContain('Check your e-mail');
      const link = await mailedLink(person);

      // Opening the link, as a mail scanner would, spends nothing.
      for (let opened = 0; opened < 2; opened++) {
        const form = await fetch(link);
        expect(form.status).toBe(200);
        const html = await form.text();
        expect(html).toContain('New password');
        expect(html).toContain('Retype password');
      }

      const newPassword = 'Brand-New-Password-1';
      const done = await fetch(link, {
        method: 'POST',
        body: new URLSearchParams({ password: newPassword, password2: newPassword }),
      });
      expect(done.status).toBe(200);
      const page = await done.text();
      expect(page).toContain('Your password has been changed');
      expect(page).toContain('href="/"');

      const again = await fetch(link, {
        method: 'POST',
        body: new URLSearchParams({ password: 'Another-Password-2', password2: 'Another-Password-2' }),
      });
      expect(again.status).toBe(410);
      expect(await again.text()).toContain('already been used');
      expect((await fetch(link)).status).toBe(410);

      expect(await signInStatus(person.email, person.password)).toBe(401);
      expect(await signInStatus(person.email, newPassword)).toBe(303);
      await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
        error: 'invalid_grant',
      });

      const notice = await idp.mailbox.waitFor(person.email, { subject: /password was changed/ });
      expect(notice.Text).toContain('If this was not you');
      const account = await accountOf(person);
      expect(account.password_changed_at).toBeGreaterThan(0);
      const activity = await idp.db
        .selectFrom('activity')
        .selectAll()
        .where('account_id', '=', account.id)
        .where('kind', '=', 'password-reset')
        .execute();
      expect(activity).toHaveLength(1);
      expect(activity[0]).toMatchObject({ success: 1, detail: 'link' });
      expect(activity[0]!.ip).toBeTruthy();
      expect(activity[0]!.user_agent).toBeTruthy();
    });

    test('a reset spends the links an intruder may have asked for: e-mail change and alternate address', async () => {
      const person = await registerPerson(idp);
      const account = await accountOf(person);
      // Someone who knew the old password asked to move the account to their own addresses.
      const pending = await Promise.all(
        (['email-change', 'alternate-email'] as const).map((purpose) =>
          issueEmailToken(idp.db, {
            purpose,
            emailKey: 'intruder@example.test',
            accountId: account.id,
            payload: { email: 'intruder@example.test' },
            ttlMs: 60 * 60 * 1000,
          }),
        ),
      );
      await requestLink(person.email);
      const reset = await fetch(await mailedLink(person), {
        method: 'POST',
        body: new URLSearchParams({ password: 'Brand-New-Password-1', password2: 'Brand-New-Password-1' }),
      });
      expect(reset.status).toBe(200);

      const [emailChange, alternate] = pending;
      expect((await fetch(url(`/account/email/confirm/${emailChange}`), { method: 'POST' })).status).toBe(
        404,
      );
      expect(
        (await fetch(url(`/account/alternate-email/verify/${alternate}`), { method: 'POST' })).status,
      ).toBe(404);
      const after = await accountOf(person);
      expect(after.email).toBe(person.email);
      expect(after.alternate_email).toBeNull();
    });

    test('an expired link is refused and changes nothing', async () => {
      const person = await registerPerson(idp);
      await requestLink(person.email);
      const link = await mailedLink(person);
      const account = await accountOf(person);
      await idp.db
        .updateTable('email_tokens')
        .set({ expires_at: Date.now() - 1 })
        .where('account_id', '=', account.id)
        .where('purpose', '=', 'password-reset')
        .execute();

      const opened = await fetch(link);
      expect(opened.status).toBe(410);
      expect(await opened.text()).toContain('expired');
      const posted = await fetch(link, {
        method: 'POST',
        body: new URLSearchParams({ password: 'Brand-New-Password-1', password2: 'Brand-New-Password-1' }),
      });
      expect(posted.status).toBe(410);
      expect((await accountOf(person)).password_hash).toBe(account.password_hash);
      expect(await signInStatus(person.email, person.password)).toBe(303);
    });

    test('a verified alternate address gets the same link; an unverified one gets none', async () => {
      const person = await registerPerson(idp);
      const alternate = newPerson();
      await idp.db
        .updateTable('accounts')
        .set({ alternate_email: alternate.email, alternate_email_verified_at: Date.now() })
        .where('email_key', '=', emailKey(person.email))
        .execute();
      await requestLink(person.email);
      const primaryLink = await mailedLink(person);
      const alternateLink = await mailedLink(alternate);
      expect(alternateLink).toBe(primaryLink);

      const unverifiedOwner = await registerPerson(idp);
      const unverified = newPerson();
      await idp.db
        .updateTable('accounts')
        .set({ alternate_email: unverified.email, alternate_email_verified_at: null })
        .where('email_key', '=', emailKey(unverifiedOwner.email))
        .execute();
      await requestLink(unverifiedOwner.email);
      expect(await mailsTo(unverifiedOwner.email, 'Reset your Passport password')).toBe(1);
      expect(await mailsTo(unverified.email, 'Reset your Passport password')).toBe(0);
    });

    test('known and unknown addresses get the same page; only the owner gets mail', async () => {
      const person = await registerPerson(idp);
      const stranger = newPerson();
      const known = await requestLink(person.email);
      const unknown = await requestLink(stranger.email);
      expect(unknown.status).toBe(known.status);
      expect((await unknown.text()).replaceAll(stranger.email, 'ADDRESS')).toBe(
        (await known.text()).replaceAll(person.email, 'ADDRESS'),
      );
      expect(await mailsTo(person.email, 'Reset your Passport password')).toBe(1);
      expect(await mailsTo(stranger.email, 'Reset your Passport password')).toBe(0);
    });

    test('at most 5 links an hour are mailed to one address; the page stays the same', async () => {
      const person = await registerPerson(idp);
      const pages = new Set<string>();
      for (let request = 0; request < 7; request++) {
        pages.add(await (await requestLink(person.email)).text());
      }
      expect(pages.size).toBe(1);
      expect(await mailsTo(person.email, 'Reset your Passport password')).toBe(5);
    });
  });

  describe('by the secret answer', () => {
    test('from the sign-in page of a browser used before: the answer alone changes the password', async () => {
      const person = await registerPerson(idp);
      const refreshToken = await offlineRefreshToken(person);
      const browser = await ownersBrowser(person);
      // Closed since: signed out, but the browser still lists the account it was used with.
      browser.closeBrowser();
      const { url: start } = await authorizationRequest(config);
      const { url: signInAt } = await browser.follow(start);
      const path = signInAt.pathname;
      expect(path).toMatch(/^\/interaction\/[^/]+$/);
      expect(await (await browser.request(url(path))).text()).toContain(`href="${path}/forgot-password"`);

      const choice = await browser.request(url(`${path}/forgot-password`));
      expect(choice.status).toBe(200);
      const choices = await choice.text();
      expect(choices).toContain(`href="${path}/forgot-password/answer"`);
      expect(choices).toContain(`href="${path}"`);

      const asked = await browser.request(url(`${path}/forgot-password/answer`), {
        form: { email: person.email },
      });
      expect(asked.status).toBe(200);
      const question = await asked.text();
      expect(askedQuestion(question)).toBe('Name of first pet');
      for (const label of ['Secret answer', 'New password', 'Retype password']) {
        expect(question).toContain(`>${label}</label>`);
      }
      // Released to sites with the address scope, so no proof of anything.
      for (const label of ['Country or region', 'Postal code']) {
        expect(question).not.toContain(`>${label}</label>`);
      }
      expect(question).toContain('<altcha-widget');

      // Case and spacing of the answer do not matter.
      const form = await answerForm({ ...person, answer: `  ${person.answer.toUpperCase()} ` });
      const done = await browser.request(url(`${path}/forgot-password/answer/check`), { form });
      expect(done.status).toBe(200);
      const page = await done.text();
      expect(page).toContain('Your password has been changed');
      // Back to the sign-in that was under way, where the new password now works.
      expect(page).toContain(`href="${path}"`);
      const signedIn = await browser.request(url(`${path}/login`), {
        form: { email: person.email, password: form.password! },
      });
      expect(signedIn.status).toBe(303);

      expect(await signInStatus(person.email, person.password)).toBe(401);
      await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      const notice = await idp.mailbox.waitFor(person.email, { subject: /password was changed/ });
      expect(notice.Text).toContain('secret answer');
      const account = await accountOf(person);
      const activity = await idp.db
        .selectFrom('activity')
        .selectAll()
        .where('account_id', '=', account.id)
        .where('kind', '=', 'password-reset')
        .execute();
      expect(activity).toMatchObject([{ success: 1, detail: 'secret answer' }]);
    });

    test('a wrong answer changes nothing', async () => {
      const person = await registerPerson(idp);
      const browser = await ownersBrowser(person);
      const before = await accountOf(person);
      const response = await browser.request(url(`${RESET}/answer/check`), {
        form: await answerForm(person, { answer: 'Porto' }),
      });
      expect(response.status).toBe(401);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain('does not match');
      expect(askedQuestion(html)).toBe('Name of first pet');
      expect((await accountOf(person)).password_hash).toBe(before.password_hash);
    });

    test('a browser never used with the address gets the same page for known and unknown addresses, and no question', async () => {
      const person = await registerPerson(idp);
      const stranger = newPerson();
      const askFor = (email: string) =>
        fetch(url(`${RESET}/answer`), { method: 'POST', body: new URLSearchParams({ email }) });
      const known = await askFor(person.email);
      const unknown = await askFor(stranger.email);
      expect(unknown.status).toBe(known.status);
      const unknownPage = await unknown.text();
      expect(unknownPage.replaceAll(stranger.email, 'ADDRESS')).toBe(
        (await known.text()).replaceAll(person.email, 'ADDRESS'),
      );
      expect(unknownPage).not.toContain('Your secret question');
      expect(await mailsTo(person.email, 'Reset your Passport password')).toBe(1);
      expect(await mailsTo(stranger.email, 'Reset your Passport password')).toBe(0);

      const check = async (who: Pick<TestPerson, 'email' | 'answer'>) =>
        fetch(url(`${RESET}/answer/check`), {
          method: 'POST',
          body: new URLSearchParams(await answerForm(who)),
        });
      const knownRefused = await check(person);
      const unknownRefused = await check(stranger);
      expect(knownRefused.status).toBe(403);
      expect(unknownRefused.status).toBe(403);
      expect(await unknownRefused.text()).toBe(await knownRefused.text());
    });
  });

  describe('bad input is refused clearly, with a 4xx and nothing stored or changed', () => {
    async function storedCounts() {
      const count = async (table: 'email_tokens' | 'outbox' | 'activity' | 'throttle_counters') =>
        Number(
          (
            await idp.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        tokens: await count('email_tokens'),
        mails: await count('outbox'),
        activity: await count('activity'),
        counters: await count('throttle_counters'),
      };
    }

    const post = (path: string, body: string, contentType = 'application/x-www-form-urlencoded') =>
      fetch(url(path), { method: 'POST', headers: { 'content-type': contentType }, body });

    test.each([
      ['the link request', `${RESET}/email`],
      ['the secret-answer request', `${RESET}/answer`],
    ])('%s: a missing or malformed address', async (_name, path) => {
      const before = await storedCounts();
      for (const [body, message] of [
        ['', 'E-mail address is required'],
        ['email=not-an-address', 'valid e-mail address'],
        [`email=${TEN_KB}%40example.test`, 'too long'],
        ['email=%FF%FE%40example.test', 'not valid text'],
        // A repeated field is not a string: shared/http/form.ts names the field as missing.
        ['email=a%40example.test&email=b%40example.test', 'sent more than once'],
      ] as const) {
        const response = await post(path, body);
        expect(response.status).toBe(400);
        const html = await response.text();
        expect(html).toContain('role="alert"');
        expect(html).toContain('id="email-error"');
        expect(html).toContain(message);
      }
      expect((await post(path, JSON.stringify({ email: 'a@example.test' }), 'application/json')).status).toBe(
        415,
      );
      expect(await storedCounts()).toEqual(before);
    });

    test('the secret-answer form with every field empty names each field', async () => {
      const person = await registerPerson(idp);
      const browser = await ownersBrowser(person);
      const before = await storedCounts();
      const response = await browser.request(url(`${RESET}/answer/check`), { form: { email: person.email } });
      expect(response.status).toBe(400);
      const html = await response.text();
      for (const label of ['Secret answer', 'New password', 'Retype password']) {
        expect(html).toContain(`${label} is required`);
      }
      expect(await storedCounts()).toEqual(before);
    });

    test('the secret-answer form without an address goes back to the address', async () => {
      const response = await post(`${RESET}/answer/check`, '');
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('E-mail address is required');
    });

    test.each([
      ['passwords that differ', { password2: 'Something-else-42' }, 'do not match', 'password2'],
      ['a common password', { password: 'password123', password2: 'password123' }, 'too common', 'password'],
      ['a short password', { password: 'Ab1!', password2: 'Ab1!' }, 'at least 8', 'password'],
      ['a 10 kB answer', { answer: TEN_KB }, 'too long', 'answer'],
      ['invalid text in the answer', { answer: '\uFFFD' }, 'not valid text', 'answer'],
      ['no bot check', { altcha: '' }, 'not a robot', 'altcha'],
    ])('the secret-answer form with %s', async (_name, change, message, field) => {
      const person = await registerPerson(idp);
      const browser = await ownersBrowser(person);
      const before = { counts: await storedCounts(), account: await accountOf(person) };
      const form = await answerForm(person, change);
      const response = await browser.request(url(`${RESET}/answer/check`), { form });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain(`id="${field}-error"`);
      expect(html).toContain(message);
      expect(await storedCounts()).toEqual(before.counts);
      expect((await accountOf(person)).password_hash).toBe(before.account.password_hash);
    });

    test('the secret-answer form with the address as the new password', async () => {
      const person = await registerPerson(idp);
      const browser = await ownersBrowser(person);
      const response = await browser.request(url(`${RESET}/answer/check`), {
        form: await answerForm(person, { password: person.email, password2: person.email }),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('cannot be your e-mail address');
    });

    test('a replayed bot-check solution is refused', async () => {
      const person = await registerPerson(idp);
      const browser = await ownersBrowser(person);
      const form = await answerForm(person, { answer: 'Wrong once' });
      expect((await browser.request(url(`${RESET}/answer/check`), { form })).status).toBe(401);
      const before = await storedCounts();
      const replay = await browser.request(url(`${RESET}/answer/check`), { form });
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('not a robot');
      expect(await storedCounts()).toEqual(before);
    });

    test('the new-password form: each mistake is named and the link stays unspent', async () => {
      const person = await registerPerson(idp);
      await requestLink(person.email);
      const link = await mailedLink(person);
      const before = { counts: await storedCounts(), account: await accountOf(person) };
      for (const [form, message, field] of [
        [{ password: '', password2: '' }, 'New password is required', 'password'],
        [{ password: 'Brand-New-Password-1', password2: '' }, 'Retype password is required', 'password2'],
        [
          { password: 'Brand-New-Password-1', password2: 'Brand-New-Password-2' },
          'do not match',
          'password2',
        ],
        [{ password: 'password123', password2: 'password123' }, 'too common', 'password'],
        [{ password: person.email, password2: person.email }, 'cannot be your e-mail address', 'password'],
        [{ password: TEN_KB, password2: TEN_KB }, 'too long', 'password'],
      ] as const) {
        const response = await fetch(link, { method: 'POST', body: new URLSearchParams(form) });
        expect(response.status).toBe(400);
        const html = await response.text();
        expect(html).toContain('role="alert"');
        expect(html).toContain(`id="${field}-error"`);
        expect(html).toContain(message);
      }
      expect(await storedCounts()).toEqual(before.counts);
      expect((await accountOf(person)).password_hash).toBe(before.account.password_hash);
      expect((await fetch(link)).status).toBe(200);
    });

    test.each([
      ['garbage', 'not-a-token'],
      ['the right shape but unknown', 'A'.repeat(43)],
      ['10 kB', TEN_KB],
    ])('a %s reset link', async (_name, token) => {
      const opened = await fetch(url(`${RESET}/link/${token}`));
      expect(opened.status).toBe(404);
      expect(await opened.text()).toContain('not valid');
      const posted = await post(
        `${RESET}/link/${token}`,
        'password=Brand-New-Password-1&password2=Brand-New-Password-1',
      );
      expect(posted.status).toBe(404);
    });
  });
});
