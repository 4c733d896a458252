import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accountClientMetadata, accountReturnPath } from '../../idp/account-services/sign-in.ts';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession, inputValue } from '../helpers/http-session.ts';
import { STORES, startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';
import { ageSignIns } from '../helpers/stored-state.ts';

const SITE_SECRET = 'account-services-site-secret-0123456789';
const TEN_KB = 'x'.repeat(10 * 1024);

test.each([
  ['/account/password', '/account/password'],
  ['/account/confirm?return=%2Faccount', '/account/confirm?return=%2Faccount'],
  ['/account', '/account'],
  ['/accounting', '/account'],
  ['//evil.example/account', '/account'],
  ['/account/../interaction/x', '/account'],
  ['/account/..%2F..%2Fsignup', '/account/..%2F..%2Fsignup'],
  ['https://evil.example/account', '/account'],
  ['/\\evil.example/account', '/account'],
  [42, '/account'],
])('the page to come back to after sign-in is a local account page: %s', (value, expected) => {
  expect(accountReturnPath(value)).toBe(expected);
});

describe.each(STORES)('account services on %s', (store) => {
  let idp: TestIdp;

  beforeAll(async () => {
    // The account client's redirect URI names the issuer, so the issuer is fixed before start.
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({
      store,
      env: { IDP_ISSUER: issuer },
      clients: [
        accountClientMetadata(issuer),
        {
          client_id: 'site',
          client_secret: SITE_SECRET,
          client_name: 'Test Site',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
        },
      ],
    });
  });
  afterAll(async () => idp?.close());

  const url = (path: string) => `${idp.issuer}${path}`;

  /** Opens an account page in a browser with no session: the sign-in page, then the page itself. */
  async function signInToAccount(person: TestPerson, path = '/account', browser = new HttpSession()) {
    const signInPage = await browser.follow(url(path));
    expect(signInPage.url.pathname).toMatch(/^\/interaction\//);
    const landed = await browser.follow(`${signInPage.url.origin}${signInPage.url.pathname}/login`, {
      form: { email: person.email, password: person.password },
    });
    expect(landed.response.status).toBe(200);
    return { browser, landed, html: await landed.response.text() };
  }

  async function site() {
    return discover(idp.issuer, 'site', SITE_SECRET);
  }

  async function userinfo(accessToken: string) {
    return fetch(url('/me'), { headers: { authorization: `Bearer ${accessToken}` } });
  }

  async function accountOf(person: TestPerson) {
    return idp.db
      .selectFrom('accounts')
      .selectAll()
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
  }

  /** Everything a form could write: compared before and after a refused one. */
  async function snapshot(accountId: string) {
    const count = async (table: 'email_tokens' | 'outbox' | 'activity') =>
      Number(
        (
          await idp.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      account: await idp.db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst(),
      tokens: await count('email_tokens'),
      mails: await count('outbox'),
      activity: await count('activity'),
    };
  }

  async function ageSignIn(accountId: string, seconds: number) {
    const [sessionId] = await ageSignIns(idp, accountId, seconds);
    return sessionId!;
  }

  async function storedSession(sessionId: string) {
    const session = await idp.shortLived.adapter('Session').find(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    return session as { loginTs: number; exp: number; accountId: string };
  }

  test('without a session, /account signs in through the sign-in page as the account client and returns to the page asked for', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    const first = await browser.request(url('/account/personal'));
    expect(first.status).toBe(303);
    const authorization = new URL(first.headers.get('location')!);
    expect(authorization.href.startsWith(`${idp.issuer}/auth?`)).toBe(true);
    expect(authorization.searchParams.get('client_id')).toBe('passport-account');
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${idp.issuer}/account/callback`);

    const { landed, html } = await signInToAccount(person, '/account/personal', browser);
    expect(landed.url.pathname).toBe('/account/personal');
    expect(html).toContain('Name and personal data');
    // The layout links to the account and to sign-out while signed in.
    expect(html).toMatch(/class="masthead-nav"[\s\S]*href="\/account"[\s\S]*href="\/session\/end"/);

    const overview = await browser.request(url('/account'));
    expect(overview.status).toBe(200);
    const page = await overview.text();
    expect(page).toContain(person.email);
    expect(page).toContain('Ada Lovelace');
    for (const link of ['/account/email', '/account/password', '/account/activity', '/account/address']) {
      expect(page).toContain(`href="${link}"`);
    }
  });

  test('a callback with a state this browser did not start, or without the flow cookie, is refused', async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    const started = await browser.request(url('/account'));
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    const forged = await browser.request(url(`/account/callback?code=abc&state=${state}x`));
    expect(forged.status).toBe(400);
    const stranger = await new HttpSession().request(url(`/account/callback?code=abc&state=${state}`));
    expect(stranger.status).toBe(400);
    // The refused callbacks did not sign anyone in.
    expect((await browser.request(url('/account'))).status).toBe(303);
    await signInToAccount(person, '/account', browser);
  });

  test('changing the e-mail address keeps `sub`; the new address is used only once verified; the old one is told', async () => {
    const person = await registerPerson(idp);
    const config = await site();
    const before = await signIn(config, new HttpSession(), person);
    const infoBefore = (await (await userinfo(before.access_token)).json()) as { sub: string; email: string };
    expect(infoBefore.email).toBe(person.email);

    const { browser } = await signInToAccount(person);
    const newEmail = newPerson().email;
    const requested = await browser.request(url('/account/email'), { form: { email: newEmail } });
    expect(requested.status).toBe(200);
    expect(await requested.text()).toContain('Check your e-mail');

    // Not verified yet: the old address still signs in, the new one does not exist.
    expect(((await (await userinfo(before.access_token)).json()) as { email: string }).email).toBe(
      person.email,
    );
    await expect(signIn(config, new HttpSession(), { ...person, email: newEmail })).rejects.toThrow(/401/);

    const mail = await idp.mailbox.waitFor(newEmail, { subject: /Confirm your new Passport e-mail/ });
    const link = firstLink(mail, `${idp.issuer}/account/email/confirm/`);
    // Opening the link changes nothing: a mail scanner may fetch it.
    const shown = await new HttpSession().request(link);
    expect(shown.status).toBe(200);
    expect((await accountOf(person)).email).toBe(person.email);
    // The link works in any browser: it proves the mailbox, the request proved the owner.
    const confirmed = await new HttpSession().request(link, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your e-mail address was changed');

    const notice = await idp.mailbox.waitFor(person.email, { subject: /e-mail address was changed/ });
    expect(notice.Text).toContain(newEmail);

    const infoAfter = (await (await userinfo(before.access_token)).json()) as { sub: string; email: string };
    expect(infoAfter).toMatchObject({ sub: infoBefore.sub, email: newEmail });
    const moved = { ...person, email: newEmail };
    const after = await signIn(config, new HttpSession(), moved);
    const freshInfo = (await (await userinfo(after.access_token)).json()) as { sub: string; email: string };
    expect(freshInfo).toMatchObject({ sub: infoBefore.sub, email: newEmail });
    await expect(signIn(config, new HttpSession(), person)).rejects.toThrow(/401/);

    const again = await new HttpSession().request(link, { method: 'POST' });
    expect(again.status).toBe(410);
  });

  test('an address that already has a Passport gets the same answer, a mail saying so, and no link', async () => {
    const person = await registerPerson(idp);
    const other = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const account = await accountOf(person);

    const free = await browser.request(url('/account/email'), { form: { email: newPerson().email } });
    const before = await snapshot(account.id);
    const taken = await browser.request(url('/account/email'), {
      form: { email: other.email.toUpperCase() },
    });
    expect(taken.status).toBe(free.status);
    const strip = (html: string) => html.replace(/<strong>[^<]*<\/strong>/g, '');
    expect(strip(await taken.text())).toBe(strip(await free.text()));

    const mail = await idp.mailbox.waitFor(other.email, { subject: /already has a Passport/ });
    expect(mail.Text).toContain('nothing was changed');
    expect(mail.Text).not.toContain('/account/email/confirm/');
    const after = await snapshot(account.id);
    expect(after.tokens).toBe(before.tokens);
    expect(after.account).toEqual(before.account);
  });

  test('an address taken between the request and the link: the link refuses and changes nothing', async () => {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const wanted = newPerson();
    await browser.request(url('/account/email'), { form: { email: wanted.email } });
    const link = firstLink(
      await idp.mailbox.waitFor(wanted.email, { subject: /Confirm your new Passport e-mail/ }),
      `${idp.issuer}/account/email/confirm/`,
    );
    await registerPerson(idp, wanted);
    const refused = await new HttpSession().request(link, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect((await accountOf(person)).email).toBe(person.email);
  });

  test('changing the password needs the current one, ends the other sessions but not this one, and the old password stops working', async () => {
    const person = await registerPerson(idp);
    const config = await site();
    const siteTokens = await signIn(config, new HttpSession(), person);
    const other = await signInToAccount(person);
    const { browser } = await signInToAccount(person);
    const account = await accountOf(person);
    const newPassword = 'Brand-New-Password-2024!';

    const before = await snapshot(account.id);
    const wrong = await browser.request(url('/account/password'), {
      form: { current_password: 'Not-my-password-1', password: newPassword, password2: newPassword },
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('current password is not correct');
    const afterWrong = await snapshot(account.id);
    expect(afterWrong.account).toEqual(before.account);
    expect(afterWrong.mails).toBe(before.mails);
    expect((await other.browser.request(url('/account'))).status).toBe(200);

    const changed = await browser.request(url('/account/password'), {
      form: { current_password: person.password, password: newPassword, password2: newPassword },
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get('location')).toBe('/account?done=password');

    const here = await browser.request(url('/account?done=password'));
    expect(here.status).toBe(200);
    expect(await here.text()).toContain('Your password was changed');
    const elsewhere = await other.browser.request(url('/account'));
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.get('location')).toContain('/auth?');
    expect((await userinfo(siteTokens.access_token)).status).toBe(401);

    await expect(signIn(config, new HttpSession(), person)).rejects.toThrow(/401/);
    await signIn(config, new HttpSession(), { ...person, password: newPassword });
    const mail = await idp.mailbox.waitFor(person.email, { subject: /password was changed/ });
    expect(mail.Text).toContain('signed out everywhere else');
  });

  test('a credential change more than ten minutes after sign-in asks for the password again', async () => {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const account = await accountOf(person);
    const sessionId = await ageSignIn(account.id, 11 * 60);
    const aged = await storedSession(sessionId);

    // Name and address need only being signed in.
    expect((await browser.request(url('/account/personal'))).status).toBe(200);

    for (const page of [
      '/account/password',
      '/account/email',
      '/account/alternate-email',
      '/account/secret-question',
    ]) {
      const asked = await browser.request(url(page));
      expect(asked.status).toBe(303);
      expect(asked.headers.get('location')).toBe(`/account/confirm?return=${encodeURIComponent(page)}`);
    }
    // A form posted anyway is not applied.
    const posted = await browser.request(url('/account/email'), { form: { email: newPerson().email } });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/account/confirm?return=%2Faccount%2Femail');

    const confirmPage = await browser.request(url('/account/confirm?return=%2Faccount%2Fpassword'));
    expect(confirmPage.status).toBe(200);
    expect(await confirmPage.text()).toContain('<label for="password">Password</label>');

    const wrong = await browser.request(url('/account/confirm?return=%2Faccount%2Fpassword'), {
      form: { password: 'Not-my-password-1' },
    });
    expect(wrong.status).toBe(401);
    const wrongPage = await wrong.text();
    expect(wrongPage).toContain('role="alert"');
    expect(wrongPage).toContain('The password is incorrect.');
    expect((await storedSession(sessionId)).loginTs).toBe(aged.loginTs);

    const right = await browser.request(url('/account/confirm?return=%2Faccount%2Fpassword'), {
      form: { password: person.password },
    });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/account/password');
    const refreshed = await storedSession(sessionId);
    expect(refreshed.loginTs).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 5);
    // The expiry stays (give or take the second that passes while saving).
    expect(refreshed.exp - aged.exp).toBeGreaterThanOrEqual(0);
    expect(refreshed.exp - aged.exp).toBeLessThanOrEqual(1);
    expect(refreshed.accountId).toBe(account.id);
    expect((await browser.request(url('/account/password'))).status).toBe(200);

    // A return address outside the account pages is not followed.
    await ageSignIn(account.id, 11 * 60);
    const away = await browser.request(
      url(`/account/confirm?return=${encodeURIComponent('//evil.example/x')}`),
      {
        form: { password: person.password },
      },
    );
    expect(away.headers.get('location')).toBe('/account');
  });

  test('an alternate e-mail address is unused until verified; its link works once and expires', async () => {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const alternate = newPerson().email;

    const sent = await browser.request(url('/account/alternate-email'), { form: { email: alternate } });
    expect(sent.status).toBe(200);
    expect(await accountOf(person)).toMatchObject({
      alternate_email: alternate,
      alternate_email_verified_at: null,
    });
    const page = await (await browser.request(url('/account/alternate-email'))).text();
    expect(page).toContain('not confirmed yet');
    await idp.mailbox.waitFor(person.email, { subject: /alternate e-mail address was changed/ });

    const link = firstLink(
      await idp.mailbox.waitFor(alternate, { subject: /Confirm your alternate/ }),
      `${idp.issuer}/account/alternate-email/verify/`,
    );
    expect((await new HttpSession().request(link)).status).toBe(200);
    expect((await accountOf(person)).alternate_email_verified_at).toBeNull();
    const verified = await new HttpSession().request(link, { method: 'POST' });
    expect(verified.status).toBe(200);
    expect((await accountOf(person)).alternate_email_verified_at).not.toBeNull();
    const reused = await new HttpSession().request(link, { method: 'POST' });
    expect(reused.status).toBe(410);
    expect(await reused.text()).toContain('already been used');

    const later = newPerson().email;
    await browser.request(url('/account/alternate-email'), { form: { email: later } });
    const laterLink = firstLink(
      await idp.mailbox.waitFor(later, { subject: /Confirm your alternate/ }),
      `${idp.issuer}/account/alternate-email/verify/`,
    );
    const account = await accountOf(person);
    await idp.db
      .updateTable('email_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('account_id', '=', account.id)
      .where('consumed_at', 'is', null)
      .execute();
    const expired = await new HttpSession().request(laterLink, { method: 'POST' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('expired');
    expect(await accountOf(person)).toMatchObject({
      alternate_email: later,
      alternate_email_verified_at: null,
    });

    const removed = await browser.request(url('/account/alternate-email/remove'), { method: 'POST' });
    expect(removed.status).toBe(303);
    expect(await accountOf(person)).toMatchObject({
      alternate_email: null,
      alternate_email_verified_at: null,
    });
  });

  test('name, mailing address and secret question are saved', async () => {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);

    const personal = await browser.request(url('/account/personal'), {
      form: { first_name: 'Grace', last_name: 'Hopper', country: 'US', postal_code: '10001' },
    });
    expect(personal.status).toBe(303);
    const address = await browser.request(url('/account/address'), {
      form: { street: '1 Main St', city: 'Arlington', region: 'VA', postal_code: '22201', country: 'US' },
    });
    expect(address.status).toBe(303);
    const secret = await browser.request(url('/account/secret-question'), {
      form: { question: 'own', own_question: 'Favourite ship?', answer: '  The  Nautilus ' },
    });
    expect(secret.status).toBe(303);

    expect(await accountOf(person)).toMatchObject({
      first_name: 'Grace',
      last_name: 'Hopper',
      street: '1 Main St',
      city: 'Arlington',
      region: 'VA',
      postal_code: '22201',
      country: 'US',
      secret_question: 'Favourite ship?',
    });
    const form = await (await browser.request(url('/account/secret-question'))).text();
    expect(form).toContain('value="Favourite ship?"');
    await idp.mailbox.waitFor(person.email, { subject: /secret question was changed/ });
  });

  test('the accounts remembered on this device are listed and can be forgotten', async () => {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const page = await (await browser.request(url('/account/remembered-accounts'))).text();
    expect(page).toContain(person.email);
    const account = inputValue(page, 'account')!;
    const forgotten = await browser.request(url('/account/remembered-accounts/forget'), {
      form: { account },
    });
    expect(forgotten.status).toBe(303);
    const after = await (await browser.request(url('/account/remembered-accounts'))).text();
    expect(after).not.toContain(`value="${account}"`);
    expect(after).toContain('remembers no accounts');
  });

  test('the activity page shows sign-ins, failures and changes of the last 90 days', async () => {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const account = await accountOf(person);
    await browser.request(url('/account/personal'), {
      form: { first_name: 'Ada', last_name: 'Byron', country: 'GB', postal_code: 'SW1A 1AA' },
    });
    await ageSignIn(account.id, 11 * 60);
    await browser.request(url('/account/confirm?return=%2Faccount'), {
      form: { password: 'Not-my-password-1' },
    });
    await browser.request(url('/account/confirm?return=%2Faccount'), { form: { password: person.password } });
    await idp.db
      .insertInto('activity')
      .values({
        id: `old-${account.id}`,
        account_id: account.id,
        kind: 'password-change',
        success: 1,
        client_id: null,
        ip: '203.0.113.9',
        user_agent: null,
        detail: 'long ago',
        at: Date.now() - 91 * 24 * 60 * 60 * 1000,
      })
      .execute();

    const response = await browser.request(url('/account/activity'));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Sign-in');
    expect(html).toContain('Personal data changed');
    expect(html).toContain('Passport account');
    expect(html).toContain('Success');
    expect(html).toContain('Failure');
    expect(html).toContain('127.0.0.1');
    expect(html).not.toContain('long ago');
  });

  test('"Sign out everywhere" ends every session, this one included, and the sites\' tokens', async () => {
    const person = await registerPerson(idp);
    const config = await site();
    const siteTokens = await signIn(config, new HttpSession(), person);
    const other = await signInToAccount(person);
    const { browser } = await signInToAccount(person);

    const response = await browser.request(url('/account/sign-out-everywhere'), { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('signed out everywhere');
    for (const session of [browser, other.browser]) {
      const page = await session.request(url('/account'));
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toContain('/auth?');
    }
    expect((await userinfo(siteTokens.access_token)).status).toBe(401);
    const account = await accountOf(person);
    const recorded = await idp.db
      .selectFrom('activity')
      .select('kind')
      .where('account_id', '=', account.id)
      .where('kind', '=', 'sign-out-everywhere')
      .execute();
    expect(recorded).toHaveLength(1);
  });

  describe('bad input on every form: a clear message, a 4xx, nothing written', () => {
    let person: TestPerson;
    let browser: HttpSession;
    let accountId: string;

    beforeAll(async () => {
      person = await registerPerson(idp);
      ({ browser } = await signInToAccount(person));
      accountId = (await accountOf(person)).id;
    });

    const newPassword = 'Another-Good-Password-77';
    test.each<[string, string, Record<string, string>, string]>([
      ['e-mail: empty', '/account/email', { email: '' }, 'New e-mail address is required'],
      ['e-mail: not an address', '/account/email', { email: 'nope' }, 'valid e-mail address'],
      ['e-mail: 10 kB', '/account/email', { email: `${TEN_KB}@example.test` }, 'too long'],
      ['e-mail: the current one', '/account/email', { email: '__self__' }, 'already your e-mail address'],
      ['password: all empty', '/account/password', {}, 'Current password is required'],
      [
        'password: too short',
        '/account/password',
        { current_password: '__password__', password: 'Ab1!', password2: 'Ab1!' },
        'at least 8',
      ],
      [
        'password: too common',
        '/account/password',
        { current_password: '__password__', password: 'password123', password2: 'password123' },
        'too common',
      ],
      [
        'password: retyped differently',
        '/account/password',
        { current_password: '__password__', password: newPassword, password2: `${newPassword}x` },
        'do not match',
      ],
      [
        'password: the same as now',
        '/account/password',
        { current_password: '__password__', password: '__password__', password2: '__password__' },
        'other than your current one',
      ],
      ['alternate: not an address', '/account/alternate-email', { email: 'x@' }, 'valid e-mail address'],
      [
        'alternate: the main address',
        '/account/alternate-email',
        { email: '__self__' },
        'other than your Passport',
      ],
      [
        'address: unknown country',
        '/account/address',
        { street: 'a', city: 'b', postal_code: '1', country: 'QQ' },
        'from the list',
      ],
      [
        'address: street without city',
        '/account/address',
        { street: 'a', postal_code: '1', country: 'GB' },
        'City is required',
      ],
      ['address: no postal code', '/account/address', { country: 'GB' }, 'Postal code is required'],
      [
        'address: 10 kB street',
        '/account/address',
        { street: TEN_KB, city: 'b', postal_code: '1', country: 'GB' },
        'too long',
      ],
      ['personal: empty', '/account/personal', {}, 'First name is required'],
      [
        'personal: not text',
        '/account/personal',
        { first_name: '\u0007', last_name: 'x', country: 'GB', postal_code: '1' },
        'not valid text',
      ],
      [
        'secret: question not listed',
        '/account/secret-question',
        { question: 'Who?', answer: 'abcd' },
        'from the list',
      ],
      [
        'secret: own question missing',
        '/account/secret-question',
        { question: 'own', answer: 'abcd' },
        'Write your own question',
      ],
      [
        'secret: answer too short',
        '/account/secret-question',
        { question: 'Name of first pet', answer: 'ab' },
        'too short',
      ],
      [
        'secret: answer is the password',
        '/account/secret-question',
        { question: 'Name of first pet', answer: '__password__' },
        'cannot be your password',
      ],
      [
        'confirm: empty password',
        '/account/confirm?return=%2Faccount',
        { password: '' },
        'Password is required',
      ],
      ['remembered: no account named', '/account/remembered-accounts/forget', {}, 'Please correct'],
    ])('%s', async (_name, path, form, message) => {
      const filled = Object.fromEntries(
        Object.entries(form).map(([field, value]) => [
          field,
          value.replace('__self__', person.email).replace('__password__', person.password),
        ]),
      );
      const before = await snapshot(accountId);
      const response = await browser.request(url(path), { form: filled });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain(message);
      expect(await snapshot(accountId)).toEqual(before);
    });

    test('a field sent twice, JSON, and invalid UTF-8 are refused', async () => {
      const before = await snapshot(accountId);
      const twice = await browser.request(url('/account/personal'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'first_name=a&first_name=b&last_name=c&country=GB&postal_code=1',
      });
      expect(twice.status).toBe(400);
      const json = await browser.request(url('/account/personal'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ first_name: 'a', last_name: 'b', country: 'GB', postal_code: '1' }),
      });
      expect(json.status).toBe(415);
      const garbled = await browser.request(url('/account/personal'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'first_name=%FF%FE&last_name=c&country=GB&postal_code=1',
      });
      expect(garbled.status).toBe(400);
      expect(await garbled.text()).toContain('not valid text');
      expect(await snapshot(accountId)).toEqual(before);
    });

    test.each([
      ['garbage', 'not-a-token', 404],
      ['the right shape but unknown', 'A'.repeat(43), 404],
      ['10 kB', TEN_KB, 404],
    ])('a %s link', async (_name, token, status) => {
      for (const path of ['/account/email/confirm/', '/account/alternate-email/verify/']) {
        expect((await fetch(url(`${path}${token}`))).status).toBe(status);
        expect((await fetch(url(`${path}${token}`), { method: 'POST' })).status).toBe(status);
      }
    });

    test('a form posted from another origin is refused with 403 and changes nothing', async () => {
      const before = await snapshot(accountId);
      const forms: [string, Record<string, string>][] = [
        ['/account/personal', { first_name: 'Eve', last_name: 'X', country: 'GB', postal_code: '1' }],
        ['/account/email', { email: 'eve@example.test' }],
        ['/account/sign-out-everywhere', {}],
        ['/account/confirm?return=%2Faccount', { password: person.password }],
      ];
      for (const [path, form] of forms) {
        const response = await browser.request(url(path), {
          form,
          headers: { origin: 'https://evil.example' },
        });
        expect(response.status).toBe(403);
        expect(await response.text()).toContain('another site');
      }
      expect(await snapshot(accountId)).toEqual(before);
      // The page's own origin is welcome.
      const own = await browser.request(url('/account/personal'), {
        form: { first_name: 'Ada', last_name: 'Lovelace', country: 'GB', postal_code: 'SW1A 1AA' },
        headers: { origin: new URL(idp.issuer).origin },
      });
      expect(own.status).toBe(303);
    });
  });
});
