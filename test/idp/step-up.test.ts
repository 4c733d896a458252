import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { ACR_PASSWORD, ACR_STRONG } from '../../idp/oidc/acr.ts';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { ageSignIns, pendingSteps, storedSessions } from '../helpers/stored-state.ts';

const EXTRANET_SECRET = 'extranet-like-secret-0123456789-0123456789';
const KEY = 'harbour-lantern-42';
const QUESTIONS = SECURITY_KEY_QUESTIONS.slice(0, 3);
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];
const RECENT_WINDOW_SECONDS = 10 * 60;

const atSite = (location: URL) => location.href.startsWith(REDIRECT_URI);

function keyForm(key = KEY, answers = ANSWERS, questions = QUESTIONS): Record<string, string> {
  return {
    key,
    key2: key,
    question1: questions[0]!,
    question2: questions[1]!,
    question3: questions[2]!,
    ...answersForm(answers),
  };
}

function answersForm(answers: string[]): Record<string, string> {
  return { answer1: answers[0]!, answer2: answers[1]!, answer3: answers[2]! };
}

/** Every credential change of the account pages, as a form a browser would post. */
function credentialChanges(person: TestPerson): [string, Record<string, string>][] {
  return [
    ['/account/email', { email: newPerson().email }],
    ['/account/alternate-email', { email: newPerson().email }],
    ['/account/alternate-email/remove', {}],
    ['/account/secret-question', { question: 'own', own_question: 'Favourite ship?', answer: 'Nautilus' }],
    [
      '/account/password',
      {
        current_password: person.password,
        password: 'Brand-New-Secret-77',
        password2: 'Brand-New-Secret-77',
      },
    ],
    ['/account/security-key', keyForm('stolen-key-0001', ['a1a', 'b2b', 'c3c'])],
    ['/account/security-key/confirm', answersForm(['a1a', 'b2b', 'c3c'])],
  ];
}

const CREDENTIAL_PAGES = [
  '/account/email',
  '/account/alternate-email',
  '/account/secret-question',
  '/account/password',
  '/account/security-key',
];

describe('step-up for every credential change', () => {
  let idp: TestIdp;
  let extranet: oidc.Configuration;
  let backChannel: Awaited<ReturnType<typeof startLogoutReceiver>>;

  beforeAll(async () => {
    backChannel = await startLogoutReceiver();
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'extranet',
          client_secret: EXTRANET_SECRET,
          client_name: 'CustomerSource',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          backchannel_logout_uri: backChannel.url,
          backchannel_logout_session_required: true,
        },
      ],
    });
    extranet = await discover(idp.issuer, 'extranet', EXTRANET_SECRET);
  });
  afterAll(async () => {
    await idp?.close();
    await backChannel?.close();
  });

  const url = (path: string) => `${idp.issuer}${path}`;

  /** Opens an account page with no session: the sign-in page, the password, then the page. */
  async function signInToAccount(person: TestPerson, path = '/account', browser = new HttpSession()) {
    const signInPage = await browser.follow(url(path));
    expect(signInPage.url.pathname).toMatch(/^\/interaction\/[^/]+$/);
    const landed = await browser.follow(`${signInPage.url.href}/login`, {
      form: { email: person.email, password: person.password },
    });
    return { browser, landed };
  }

  /** A person whose account has a security key, and the browser (at the password level) that set it up. */
  async function personWithKey() {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const chosen = await browser.follow(url('/account/security-key'), { form: keyForm() });
    expect(chosen.url.pathname).toBe('/account/security-key/confirm');
    const saved = await browser.request(url('/account/security-key/confirm'), { form: answersForm(ANSWERS) });
    expect(saved.status).toBe(200);
    return { person, browser };
  }

  /** Opens a credential page and, when the key page is shown, types the key there. */
  async function openWithKey(browser: HttpSession, path: string, key = KEY) {
    const asked = await browser.follow(url(path));
    expect(asked.url.pathname, 'the key page').toMatch(/^\/interaction\/[^/]+\/security-key$/);
    return browser.follow(asked.url, { form: { key } });
  }

  async function accountOf(person: TestPerson) {
    return idp.db
      .selectFrom('accounts')
      .selectAll()
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
  }

  /** What a credential change could write for an account. */
  async function credentialState(accountId: string) {
    const account = await idp.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    const tokens = await idp.db
      .selectFrom('email_tokens')
      .select(['purpose', 'consumed_at'])
      .where('account_id', '=', accountId)
      .execute();
    const pending = await pendingSteps(idp, accountId);
    return { account, tokens, pending: pending.length };
  }

  async function sessionsOf(accountId: string) {
    const sessions = await storedSessions(idp, accountId);
    return sessions.map((session) => ({ ...session.payload, id: session.id }));
  }

  /** The extranet's authorization request walked as far as a browser with only `person`'s password gets. */
  async function extranetSignIn(browser: HttpSession, person: TestPerson, params: Record<string, string>) {
    const request = await authorizationRequest(extranet, params);
    let step = await browser.follow(request.url, {}, atSite);
    if (!atSite(step.url) && /^\/interaction\/[^/]+$/.test(step.url.pathname)) {
      step = await browser.follow(
        `${step.url.href}/login`,
        { form: { email: person.email, password: person.password } },
        atSite,
      );
    }
    return { request, step };
  }

  /** The extranet's tokens for a finished authorization request. */
  async function extranetTokens(site: Awaited<ReturnType<typeof extranetSignIn>>) {
    return oidc.authorizationCodeGrant(extranet, site.step.url, {
      pkceCodeVerifier: site.request.verifier,
      expectedState: site.request.state,
      expectedNonce: site.request.nonce,
    });
  }

  /** Polls the extranet's back-channel endpoint until a logout token for `sid` arrives. */
  async function logoutTokenFor(sid: string) {
    for (let seen = 0; ; seen++) {
      const token = await backChannel.next(seen);
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        sid?: string;
      };
      if (claims.sid === sid) return claims;
    }
  }

  test('knowing only the password, even a fresh sign-in changes no credential of an account with a key', async () => {
    const { person } = await personWithKey();
    const { id } = await accountOf(person);
    const { browser, landed } = await signInToAccount(person);
    expect(landed.url.pathname).toBe('/account');
    const before = await credentialState(id);
    const session = (await sessionsOf(id)).find((candidate) => candidate.acr === ACR_PASSWORD)!;

    for (const page of CREDENTIAL_PAGES) {
      const asked = await browser.request(url(page));
      expect(asked.status, page).toBe(303);
      expect(decodeURIComponent(asked.headers.get('location')!), page).toBe(
        `/account/confirm?return=${page}`,
      );
    }
    for (const [path, form] of credentialChanges(person)) {
      const posted = await browser.request(url(path), { form });
      expect(posted.status, path).toBe(303);
      expect(posted.headers.get('location'), path).toMatch(/^\/account\/confirm\?return=/);
    }

    // The confirmation asks the IdP for the strong level, and a password posted to it is not enough.
    const confirm = await browser.request(url('/account/confirm?return=%2Faccount%2Femail'));
    expect(confirm.status).toBe(303);
    const authorization = new URL(confirm.headers.get('location')!);
    expect(authorization.pathname).toBe('/auth');
    expect(authorization.searchParams.get('acr_values')).toBe(ACR_STRONG);
    const typed = await browser.request(url('/account/confirm?return=%2Faccount%2Femail'), {
      form: { password: person.password },
    });
    expect(typed.status).toBe(303);
    expect(new URL(typed.headers.get('location')!).pathname).toBe('/auth');
    const keyPage = await browser.follow(url('/account/email'));
    expect(keyPage.url.pathname).toMatch(/\/security-key$/);
    expect(await keyPage.response.text()).toContain('<label for="key">Security key</label>');

    expect(await credentialState(id)).toEqual(before);
    const after = (await sessionsOf(id)).find((candidate) => candidate.id === session.id)!;
    expect(after).toMatchObject({ acr: ACR_PASSWORD, loginTs: session.loginTs });
  });

  test('with the key, within the recent window, every credential change goes through', async () => {
    const { person, browser } = await personWithKey();
    const { id, security_key_hash: keyBefore } = await accountOf(person);

    const emailPage = await openWithKey(browser, '/account/email');
    expect(emailPage.url.pathname).toBe('/account/email');
    expect(emailPage.response.status).toBe(200);
    expect((await sessionsOf(id)).some((session) => session.acr === ACR_STRONG)).toBe(true);

    const newEmail = newPerson().email;
    const email = await browser.request(url('/account/email'), { form: { email: newEmail } });
    expect(email.status).toBe(200);
    const alternate = await browser.request(url('/account/alternate-email'), {
      form: { email: newPerson().email },
    });
    expect(alternate.status).toBe(200);
    const secret = await browser.request(url('/account/secret-question'), {
      form: { question: 'own', own_question: 'Favourite ship?', answer: 'Nautilus' },
    });
    expect(secret.headers.get('location')).toBe('/account?done=secret-question');
    const newPassword = 'Brand-New-Secret-77';
    const password = await browser.request(url('/account/password'), {
      form: { current_password: person.password, password: newPassword, password2: newPassword },
    });
    expect(password.headers.get('location')).toBe('/account?done=password');
    const newKey = 'silver-meadow-31';
    const chosen = await browser.follow(url('/account/security-key'), {
      form: keyForm(newKey, ['Oak', 'Blue', 'Napoleon']),
    });
    expect(chosen.url.pathname).toBe('/account/security-key/confirm');
    const saved = await browser.request(url('/account/security-key/confirm'), {
      form: answersForm(['Oak', 'Blue', 'Napoleon']),
    });
    expect(saved.status).toBe(200);

    const account = await accountOf(person);
    expect(account.secret_question).toBe('Favourite ship?');
    expect(account.security_key_hash).not.toBe(keyBefore);
    await idp.mailbox.waitFor(newEmail, { subject: /Confirm your new Passport e-mail/ });
  });

  test('the recent window counts from the strong sign-in: the password typed again does not reopen it', async () => {
    const { person, browser } = await personWithKey();
    const { id } = await accountOf(person);
    await openWithKey(browser, '/account/email');
    await ageSignIns(idp, id, RECENT_WINDOW_SECONDS + 60);

    const asked = await browser.request(url('/account/secret-question'));
    expect(asked.headers.get('location')).toBe('/account/confirm?return=%2Faccount%2Fsecret-question');
    // The strong sign-in is too old, so the IdP asks for the password and then the key.
    const typed = await browser.follow(url('/account/confirm?return=%2Faccount%2Fsecret-question'), {
      form: { password: person.password },
    });
    expect(typed.url.pathname).toMatch(/^\/interaction\/[^/]+$/);
    expect(await typed.response.text()).toContain('<label for="password">Password</label>');
    const afterPassword = await browser.follow(`${typed.url.href}/login`, {
      form: { email: person.email, password: person.password },
    });
    expect(afterPassword.url.pathname).toMatch(/\/security-key$/);
    expect((await browser.request(url('/account/secret-question'))).status).toBe(303);

    const done = await browser.follow(afterPassword.url, { form: { key: KEY } });
    expect(done.url.pathname).toBe('/account/secret-question');
    expect(done.response.status).toBe(200);
  });

  test('an account without a key changes its credentials with its password, its strongest factor', async () => {
    const person = await registerPerson(idp);
    const { browser } = await signInToAccount(person);
    const { id } = await accountOf(person);
    await ageSignIns(idp, id, RECENT_WINDOW_SECONDS + 60);
    expect((await browser.request(url('/account/secret-question'))).headers.get('location')).toBe(
      '/account/confirm?return=%2Faccount%2Fsecret-question',
    );
    const confirmed = await browser.request(url('/account/confirm?return=%2Faccount%2Fsecret-question'), {
      form: { password: person.password },
    });
    expect(confirmed.headers.get('location')).toBe('/account/secret-question');
    const secret = await browser.request(url('/account/secret-question'), {
      form: { question: 'own', own_question: 'Favourite ship?', answer: 'Nautilus' },
    });
    expect(secret.headers.get('location')).toBe('/account?done=secret-question');
    const chosen = await browser.follow(url('/account/security-key'), { form: keyForm() });
    expect(chosen.url.pathname).toBe('/account/security-key/confirm');
  });

  test('replacing the key ends the other sessions, this one stays, and every verified address is told', async () => {
    const { person, browser } = await personWithKey();
    const alternate = newPerson().email;
    await openWithKey(browser, '/account/alternate-email');
    await browser.request(url('/account/alternate-email'), { form: { email: alternate } });
    const link = firstLink(
      await idp.mailbox.waitFor(alternate, { subject: /Confirm your alternate/ }),
      `${idp.issuer}/account/alternate-email/verify/`,
    );
    expect((await new HttpSession().request(link, { method: 'POST' })).status).toBe(200);

    const { browser: elsewhere } = await signInToAccount(person);
    expect((await elsewhere.request(url('/account'))).status).toBe(200);
    const site = await extranetTokens(await extranetSignIn(new HttpSession(), person, {}));
    const siteSid = String(site.claims()!.sid);

    const newAnswers = ['Oak', 'Blue', 'Napoleon'];
    await browser.follow(url('/account/security-key'), { form: keyForm('silver-meadow-31', newAnswers) });
    const saved = await browser.request(url('/account/security-key/confirm'), {
      form: answersForm(newAnswers),
    });
    expect(saved.status).toBe(200);

    expect((await elsewhere.request(url('/account'))).status).toBe(303);
    expect((await sessionsOf((await accountOf(person)).id)).length).toBe(1);
    // The extranet hears of it on its back channel, and its tokens stop working.
    expect(await logoutTokenFor(siteSid)).toMatchObject({ sid: siteSid });
    const userinfo = await fetch(url('/me'), { headers: { authorization: `Bearer ${site.access_token}` } });
    expect(userinfo.status).toBe(401);
    expect((await browser.request(url('/account'))).status).toBe(200);
    for (const to of [person.email, alternate]) {
      const mail = await idp.mailbox.waitFor(to, { subject: /security key was changed/ });
      expect(mail.Text).toContain('signed out');
    }
  });

  test('resetting the key through its three questions ends the other sessions and tells the owner', async () => {
    const { person, browser: elsewhere } = await personWithKey();
    const browser = new HttpSession();
    const fresh = await extranetSignIn(browser, person, { acr_values: ACR_STRONG });
    const proved = await browser.follow(`${fresh.step.url.href}/reset`, { form: answersForm(ANSWERS) });
    expect(proved.url.pathname).toMatch(/\/security-key\/reset\/new-key$/);
    const newKey = 'forgotten-then-new-7';
    const replaced = await browser.follow(proved.url, { form: { key: newKey, key2: newKey } });
    expect(replaced.url.pathname).toMatch(/\/security-key$/);

    expect((await elsewhere.request(url('/account'))).status).toBe(303);
    const mail = await idp.mailbox.waitFor(person.email, { subject: /security key was reset/ });
    expect(mail.Text).toContain('signed out');
    const finished = await browser.follow(replaced.url, { form: { key: newKey } }, atSite);
    expect(atSite(finished.url)).toBe(true);
  });

  test('an attacker who knows only the password cannot replace the key or its questions, nor reach the strong level', async () => {
    const { person: victim } = await personWithKey();
    const { id } = await accountOf(victim);
    const before = await credentialState(id);
    const attacker = new HttpSession();

    // Account services: every way to the key page wants the key first.
    await signInToAccount(victim, '/account', attacker);
    for (const [path, form] of credentialChanges(victim).slice(-2)) {
      const posted = await attacker.request(url(path), { form });
      expect(decodeURIComponent(posted.headers.get('location')!), path).toBe(
        '/account/confirm?return=/account/security-key',
      );
    }
    const typed = await attacker.follow(url('/account/confirm?return=%2Faccount%2Fsecurity-key'), {
      form: { password: victim.password },
    });
    expect(typed.url.pathname).toMatch(/\/security-key$/);
    const guessed = await attacker.follow(typed.url, { form: { key: victim.password } });
    expect(guessed.response.status).toBe(401);
    const wrongAnswers = await attacker.follow(`${typed.url.href}/reset`, {
      form: answersForm(['Fido', 'Paris', 'Mr Jones']),
    });
    expect(wrongAnswers.response.status).toBe(401);
    expect((await attacker.request(`${typed.url.href}/reset/new-key`)).headers.get('location')).toMatch(
      /\/security-key\/reset$/,
    );
    expect((await attacker.request(url('/account/security-key'))).status).toBe(303);

    // The extranet asking for the strong level: the key page, never a code.
    const site = await extranetSignIn(attacker, victim, { acr_values: ACR_STRONG });
    expect(site.step.url.pathname).toMatch(/\/security-key$/);
    const silent = await extranetSignIn(attacker, victim, { acr_values: ACR_STRONG, prompt: 'none' });
    expect(atSite(silent.step.url)).toBe(true);
    expect(silent.step.url.searchParams.get('code')).toBeNull();
    expect(silent.step.url.searchParams.get('error')).toBeTruthy();
    // A password-level token is all the password buys.
    const tokens = await extranetTokens(await extranetSignIn(attacker, victim, {}));
    expect(tokens.claims()!.acr).toBe(ACR_PASSWORD);

    const after = await credentialState(id);
    expect(after.account).toEqual(before.account);
    expect(after.pending).toBe(0);
    // The owner's key still works.
    const ownerBrowser = new HttpSession();
    const owner = await extranetSignIn(ownerBrowser, victim, { acr_values: ACR_STRONG });
    const ownerKey = await ownerBrowser.follow(owner.step.url, { form: { key: KEY } }, atSite);
    const ownerTokens = await extranetTokens({ ...owner, step: ownerKey });
    expect(ownerTokens.claims()!.acr).toBe(ACR_STRONG);
  });
});

describe('the account pages count password guesses before checking them (PostgreSQL)', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp({ store: 'postgres' });
  });
  afterAll(async () => idp?.close());

  const url = (path: string) => `${idp.issuer}${path}`;

  async function signedInLongAgo(person: TestPerson) {
    const browser = new HttpSession();
    const signInPage = await browser.follow(url('/account'));
    await browser.follow(`${signInPage.url.href}/login`, {
      form: { email: person.email, password: person.password },
    });
    const account = await idp.db
      .selectFrom('accounts')
      .select('id')
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
    await ageSignIns(idp, account.id, 11 * 60);
    return browser;
  }

  const GUESSES = 20;
  // The guard's allowance for browsers that never signed in to the account (idp/throttling/guard.ts).
  const ACCOUNT_ALLOWANCE = 5;

  test("parallel wrong passwords on the confirmation page: only the guard's allowance is ever checked", async () => {
    const person = await registerPerson(idp);
    const browser = await signedInLongAgo(person);
    const answers = await Promise.all(
      Array.from({ length: GUESSES }, (_, i) =>
        browser.request(url('/account/confirm?return=%2Faccount%2Fpassword'), {
          form: { password: `Wrong-guess-${i}-xyz` },
        }),
      ),
    );
    const checked = answers.filter((answer) => answer.status === 401).length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(ACCOUNT_ALLOWANCE);
    expect(answers.every((answer) => [401, 429, 400].includes(answer.status))).toBe(true);
    // Past the allowance even the right password is refused unchecked.
    const right = await browser.request(url('/account/confirm?return=%2Faccount%2Fpassword'), {
      form: { password: person.password },
    });
    expect(right.status).not.toBe(303);
    expect(await right.text()).toContain('<altcha-widget');
  });

  test("parallel wrong current passwords on the password page: only the guard's allowance is ever checked", async () => {
    const person = await registerPerson(idp);
    const browser = new HttpSession();
    const signInPage = await browser.follow(url('/account'));
    await browser.follow(`${signInPage.url.href}/login`, {
      form: { email: person.email, password: person.password },
    });
    const answers = await Promise.all(
      Array.from({ length: GUESSES }, (_, i) =>
        browser.request(url('/account/password'), {
          form: {
            current_password: `Wrong-guess-${i}-xyz`,
            password: 'Brand-New-Secret-77',
            password2: 'Brand-New-Secret-77',
          },
        }),
      ),
    );
    const texts = await Promise.all(answers.map((answer) => answer.text()));
    const verified = texts.filter((text) => text.includes('Your current password is not correct.')).length;
    expect(verified).toBeGreaterThan(0);
    expect(verified).toBeLessThanOrEqual(ACCOUNT_ALLOWANCE);
  });
});
