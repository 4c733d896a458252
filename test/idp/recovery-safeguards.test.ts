import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueEmailToken } from '../../idp/accounts/email-tokens.ts';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { newPerson, registerPerson, signUpForm, type TestPerson } from '../helpers/accounts.ts';
import { solveBotCheck } from '../helpers/botcheck.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';

const CLIENT_SECRET = 'recovery-safeguards-secret-0123456789';
const RESET = '/password/reset';
const HOUR_MS = 60 * 60 * 1000;

const CLIENTS = [
  {
    client_id: 'site',
    client_secret: CLIENT_SECRET,
    client_name: 'Test Site',
    first_party: true,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
  },
];

describe('recovery that is not a takeover path', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;

  beforeAll(async () => {
    idp = await startTestIdp({ clients: CLIENTS });
    config = await discover(idp.issuer, 'site', CLIENT_SECRET);
  });
  afterAll(async () => idp?.close());

  const url = (path: string) => `${idp.issuer}${path}`;

  async function accountOf(person: Pick<TestPerson, 'email'>) {
    return idp.db
      .selectFrom('accounts')
      .selectAll()
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
  }

  /** Whether the password is accepted on the sign-in form (the flow goes on) or refused (401). */
  async function signInStatus(email: string, password: string): Promise<number> {
    const { url: start } = await authorizationRequest(config);
    const browser = new HttpSession();
    const { url: page } = await browser.follow(start);
    const response = await browser.request(url(`${page.pathname}/login`), { form: { email, password } });
    return response.status;
  }

  /** A browser the person has signed in with before: the owner's own. */
  async function ownersBrowser(person: TestPerson): Promise<HttpSession> {
    const browser = new HttpSession();
    await signIn(config, browser, person);
    return browser;
  }

  async function offlineRefreshToken(person: TestPerson): Promise<string> {
    const tokens = await signIn(config, new HttpSession(), person, {
      params: { scope: 'openid offline_access', prompt: 'consent' },
    });
    return tokens.refresh_token!;
  }

  async function answerForm(email: string, answer: string, extra: Record<string, string> = {}) {
    const password = `New-Secret-${Math.random().toString(36).slice(2)}`;
    return {
      email,
      answer,
      password,
      password2: password,
      altcha: await solveBotCheck(idp.issuer),
      ...extra,
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

  async function resetByLink(person: TestPerson, newPassword: string) {
    await new HttpSession().request(url(`${RESET}/email`), { form: { email: person.email } });
    const mail = await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/ });
    const done = await fetch(firstLink(mail, url(`${RESET}/link/`)), {
      method: 'POST',
      body: new URLSearchParams({ password: newPassword, password2: newPassword }),
    });
    expect(done.status).toBe(200);
  }

  describe('the secret answer', () => {
    test('a stranger with the secret answer and the address claims sites receive cannot reset from a browser the account never used', async () => {
      const person = await registerPerson(idp);
      const stranger = new HttpSession();
      // Country and postal code are released to every site granted the address scope.
      const form = await answerForm(person.email, person.answer, { country: 'GB', postal_code: 'SW1A 1AA' });
      const refused = await stranger.request(url(`${RESET}/answer/check`), { form });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('a browser that has signed in to this Passport before');
      expect(await signInStatus(person.email, form.password)).toBe(401);
      expect(await signInStatus(person.email, person.password)).toBe(303);

      // Asked from such a browser, the answer way mails the owner a link instead of asking the question.
      const asked = await stranger.request(url(`${RESET}/answer`), { form: { email: person.email } });
      expect(asked.status).toBe(200);
      const page = await asked.text();
      expect(page).not.toContain('Your secret question');
      expect(page).toContain('Check your e-mail');
      await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/ });
    });

    test('on a browser the owner signed in with, the answer alone resets the password', async () => {
      const person = await registerPerson(idp);
      const browser = await ownersBrowser(person);
      const asked = await browser.request(url(`${RESET}/answer`), { form: { email: person.email } });
      const page = await asked.text();
      expect(page).toContain('Your secret question: Name of first pet');
      expect(page).not.toContain('>Country or region</label>');
      expect(page).not.toContain('>Postal code</label>');

      const form = await answerForm(person.email, ` ${person.answer.toUpperCase()}  `);
      const done = await browser.request(url(`${RESET}/answer/check`), { form });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('Your password has been changed');
      expect(await signInStatus(person.email, form.password)).toBe(303);
    });

    test("wrong answers from a stranger's browser and network do not lock the owner's browser out", async () => {
      const person = await registerPerson(idp);
      const owner = await ownersBrowser(person);
      const stranger = new HttpSession();
      for (let tries = 0; tries < 8; tries++) {
        const guess = await stranger.request(url(`${RESET}/answer/check`), {
          form: await answerForm(person.email, `Guess ${tries}`),
        });
        expect(guess.status).not.toBe(200);
      }
      const form = await answerForm(person.email, person.answer);
      const done = await owner.request(url(`${RESET}/answer/check`), { form });
      expect(done.status).toBe(200);
      expect(await signInStatus(person.email, form.password)).toBe(303);
    });

    test("wrong answers on the owner's browser are counted before checking: past the limit even the right one waits", async () => {
      const person = await registerPerson(idp);
      const owner = await ownersBrowser(person);
      const before = await accountOf(person);
      for (let tries = 0; tries < 10; tries++) {
        const guess = await owner.request(url(`${RESET}/answer/check`), {
          form: await answerForm(person.email, `Guess ${tries}`),
        });
        expect(guess.status).toBe(401);
        expect(await guess.text()).toContain('does not match');
      }
      const right = await owner.request(url(`${RESET}/answer/check`), {
        form: await answerForm(person.email, person.answer),
      });
      expect(right.status).toBe(429);
      expect((await accountOf(person)).password_hash).toBe(before.password_hash);
    });

    test('a reset leaves the browser at the password level: a strong request still asks for the key', async () => {
      const person = await registerPerson(idp);
      const owner = await ownersBrowser(person);
      const form = await answerForm(person.email, person.answer);
      expect((await owner.request(url(`${RESET}/answer/check`), { form })).status).toBe(200);

      const { url: start } = await authorizationRequest(config, { acr_values: ACR_STRONG });
      const signInPage = await owner.follow(start);
      expect(signInPage.url.pathname).toMatch(/^\/interaction\/[^/]+$/);
      const next = await owner.follow(
        url(`${signInPage.url.pathname}/login`),
        { form: { email: person.email, password: form.password } },
        (location) => location.href.startsWith(REDIRECT_URI),
      );
      expect(next.url.href.startsWith(REDIRECT_URI)).toBe(false);
      expect(next.url.pathname).toMatch(/\/security-key/);
    });
  });

  describe('"this was not me"', () => {
    test('every reset mails each verified address a link that works once: sessions end, a later e-mail change is undone, recovery pauses for 24 hours', async () => {
      const person = await registerPerson(idp);
      const alternate = newPerson();
      await idp.db
        .updateTable('accounts')
        .set({ alternate_email: alternate.email, alternate_email_verified_at: Date.now() })
        .where('email_key', '=', emailKey(person.email))
        .execute();
      const intruderPassword = 'Intruder-Password-99';
      await resetByLink(person, intruderPassword);

      const notice = await idp.mailbox.waitFor(person.email, { subject: /password was changed/ });
      const alternateNotice = await idp.mailbox.waitFor(alternate.email, { subject: /password was changed/ });
      const notMe = firstLink(notice, url('/password/not-me/'));
      expect(firstLink(alternateNotice, url('/password/not-me/'))).toBe(notMe);

      // Whoever reset it signs in and moves the account to their own address.
      const intruder = { ...person, password: intruderPassword };
      const refreshToken = await offlineRefreshToken(intruder);
      const account = await accountOf(person);
      const change = await issueEmailToken(idp.db, {
        purpose: 'email-change',
        emailKey: 'intruder@example.test',
        accountId: account.id,
        payload: { email: 'intruder@example.test' },
        ttlMs: HOUR_MS,
      });
      expect((await fetch(url(`/account/email/confirm/${change}`), { method: 'POST' })).status).toBe(200);
      expect((await accountOf({ email: 'intruder@example.test' })).id).toBe(account.id);

      // Opening the link, as a mail scanner would, changes nothing.
      expect((await fetch(notMe)).status).toBe(200);
      const ownPassword = 'Taken-Back-Password-8';
      const body = () => new URLSearchParams({ password: ownPassword, password2: ownPassword });
      const taken = await fetch(notMe, { method: 'POST', body: body() });
      expect(taken.status).toBe(200);
      expect((await fetch(notMe, { method: 'POST', body: body() })).status).toBe(410);

      const after = await accountOf(person);
      expect(after.id).toBe(account.id);
      // Whoever reset the password may know the answer: it goes until the owner chooses a new one.
      expect(after).toMatchObject({
        email: person.email,
        alternate_email: alternate.email,
        secret_question: '',
      });
      expect(after.alternate_email_verified_at).not.toBeNull();
      await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      expect(await signInStatus(person.email, intruderPassword)).toBe(401);
      expect(await signInStatus(person.email, ownPassword)).toBe(303);

      // For a day neither way of recovery works: no link is mailed, the answer is refused.
      const resetMails = await mailsTo(person.email, 'Reset your Passport password');
      await new HttpSession().request(url(`${RESET}/email`), { form: { email: person.email } });
      expect(await mailsTo(person.email, 'Reset your Passport password')).toBe(resetMails);
      const owner = await ownersBrowser({ ...person, password: ownPassword });
      const paused = await owner.request(url(`${RESET}/answer/check`), {
        form: await answerForm(person.email, person.answer),
      });
      expect(paused.status).toBe(429);
      expect(await paused.text()).toContain('paused');

      // A day later the link can be asked for again.
      await idp.db
        .updateTable('accounts')
        .set({ recovery_locked_until: Date.now() - 1 })
        .where('id', '=', account.id)
        .execute();
      await new HttpSession().request(url(`${RESET}/email`), { form: { email: person.email } });
      expect(await mailsTo(person.email, 'Reset your Passport password')).toBe(resetMails + 1);
    });
  });

  describe('the owner of the address', () => {
    test('a reset by mailed link drops an alternate address and a secret answer the owner did not confirm', async () => {
      const person = await registerPerson(idp);
      const browser = await ownersBrowser(person);
      // Someone signed in with the password sets their own answer and an address they never confirmed.
      const secret = await browser.request(url('/account/secret-question'), {
        form: { question: 'Favourite teacher', answer: 'Mr Intruder' },
      });
      expect(secret.status).toBe(303);
      await idp.db
        .updateTable('accounts')
        .set({ alternate_email: 'intruder@example.test', alternate_email_verified_at: null })
        .where('email_key', '=', emailKey(person.email))
        .execute();

      await resetByLink(person, 'Owners-New-Password-5');
      const after = await accountOf(person);
      expect(after.alternate_email).toBeNull();
      expect(after.secret_question).toBe('');

      // The answer the intruder set no longer resets anything.
      const intruder = await ownersBrowser({ ...person, password: 'Owners-New-Password-5' });
      const tried = await intruder.request(url(`${RESET}/answer/check`), {
        form: await answerForm(person.email, 'Mr Intruder'),
      });
      expect(tried.status).toBe(409);
      expect(await tried.text()).toContain('no secret answer');
      expect(await signInStatus(person.email, 'Owners-New-Password-5')).toBe(303);
    });

    test('confirming an e-mail change drops reset links sent to the old address', async () => {
      const person = await registerPerson(idp);
      await new HttpSession().request(url(`${RESET}/email`), { form: { email: person.email } });
      const mail = await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/ });
      const link = firstLink(mail, url(`${RESET}/link/`));
      const account = await accountOf(person);
      const moved = newPerson().email;
      const change = await issueEmailToken(idp.db, {
        purpose: 'email-change',
        emailKey: emailKey(moved),
        accountId: account.id,
        payload: { email: moved },
        ttlMs: HOUR_MS,
      });
      expect((await fetch(url(`/account/email/confirm/${change}`), { method: 'POST' })).status).toBe(200);
      expect((await fetch(link)).status).toBe(404);
    });
  });

  describe('no account pre-hijacking', () => {
    /** The activation mail to `address` other than `seenId`, once it has arrived. */
    async function otherActivationMail(address: string, seenId: string) {
      for (let polls = 0; polls < 200; polls++) {
        const other = (await idp.mailbox.list()).find(
          (mail) =>
            /Activate/.test(mail.Subject) &&
            mail.ID !== seenId &&
            mail.To.some((to) => to.Address.toLowerCase() === address.toLowerCase()),
        );
        if (other) return idp.mailbox.read(other.ID);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no second activation mail to ${address}`);
    }

    test("the address owner clicking an attacker's pending sign-up link does not get the attacker's account", async () => {
      const victim = newPerson();
      const attacker = { ...victim, password: 'Attackers-Own-Password-1', answer: 'Attacker' };
      const attackersBrowser = new HttpSession();
      const victimsBrowser = new HttpSession();
      await attackersBrowser.request(url('/signup'), { form: await signUpForm(idp, attacker) });
      const attackersMail = await idp.mailbox.waitFor(victim.email, { subject: /Activate/ });
      const attackersLink = firstLink(attackersMail, url('/activate/'));
      await victimsBrowser.request(url('/signup'), { form: await signUpForm(idp, victim) });

      // The victim opens the first activation mail in their own browser: it asks for the sign-up's password.
      const opened = await victimsBrowser.request(attackersLink);
      expect(opened.status).toBe(200);
      expect(await opened.text()).toContain('<label for="password">Password</label>');
      const bare = await victimsBrowser.request(attackersLink, { method: 'POST' });
      expect(bare.status).toBe(400);
      const withOwn = await victimsBrowser.request(attackersLink, { form: { password: victim.password } });
      expect(withOwn.status).toBe(401);
      expect(await withOwn.text()).toContain('role="alert"');
      const created = await idp.db
        .selectFrom('accounts')
        .select('id')
        .where('email_key', '=', emailKey(victim.email))
        .execute();
      expect(created).toHaveLength(0);

      // The victim's own link, in the browser that signed up, makes the victim's account.
      const victimsMail = await otherActivationMail(victim.email, attackersMail.ID);
      const activated = await victimsBrowser.request(firstLink(victimsMail, url('/activate/')), {
        method: 'POST',
      });
      expect(activated.status).toBe(200);
      expect(await signInStatus(victim.email, victim.password)).toBe(303);
      expect(await signInStatus(victim.email, attacker.password)).toBe(401);

      // The attacker's pending sign-up never merges into it.
      const late = await attackersBrowser.request(attackersLink, { method: 'POST' });
      expect(late.status).toBeGreaterThanOrEqual(400);
      expect(await signInStatus(victim.email, attacker.password)).toBe(401);
    });

    test('a sign-up can be activated in another browser with the password chosen at sign-up', async () => {
      const person = newPerson();
      await new HttpSession().request(url('/signup'), { form: await signUpForm(idp, person) });
      const mail = await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
      const link = firstLink(mail, url('/activate/'));
      const activated = await new HttpSession().request(link, { form: { password: person.password } });
      expect(activated.status).toBe(200);
      expect(await signInStatus(person.email, person.password)).toBe(303);
    });
  });

  describe('enumeration', () => {
    test('an unknown address cannot be told from known ones, custom questions included', async () => {
      const listed = await registerPerson(idp);
      const custom = newPerson();
      const session = new HttpSession();
      await session.request(url('/signup'), {
        form: { ...(await signUpForm(idp, custom)), question: 'own', own_question: 'My iguana?' },
      });
      const link = firstLink(
        await idp.mailbox.waitFor(custom.email, { subject: /Activate/ }),
        url('/activate/'),
      );
      expect((await session.request(link, { method: 'POST' })).status).toBe(200);
      const unknown = newPerson();

      const pageFor = async (email: string) => {
        const response = await new HttpSession().request(url(`${RESET}/answer`), { form: { email } });
        return { status: response.status, html: (await response.text()).replaceAll(email, 'ADDRESS') };
      };
      const unknownPage = await pageFor(unknown.email);
      expect(await pageFor(listed.email)).toEqual(unknownPage);
      expect(await pageFor(custom.email)).toEqual(unknownPage);
      expect(unknownPage.html).not.toContain('My iguana?');
    });
  });
});

describe('with IDP_SECRET_ANSWER_RESET=false', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ clients: CLIENTS, env: { IDP_SECRET_ANSWER_RESET: 'false' } });
  });
  afterAll(async () => idp?.close());

  test('the secret-answer way is neither offered nor accepted', async () => {
    const person = await registerPerson(idp);
    const choices = await (await fetch(`${idp.issuer}${RESET}`)).text();
    expect(choices).toContain(`href="${RESET}/email"`);
    expect(choices).not.toContain(`href="${RESET}/answer"`);
    expect((await fetch(`${idp.issuer}${RESET}/answer`)).status).toBe(404);
    const config = await discover(idp.issuer, 'site', CLIENT_SECRET);
    const owner = new HttpSession();
    await signIn(config, owner, person);
    const form = {
      email: person.email,
      answer: person.answer,
      password: 'Some-New-Password-3',
      password2: 'Some-New-Password-3',
      altcha: await solveBotCheck(idp.issuer),
    };
    expect((await owner.request(`${idp.issuer}${RESET}/answer/check`, { form })).status).toBe(404);
    expect(
      (await owner.request(`${idp.issuer}${RESET}/answer`, { form: { email: person.email } })).status,
    ).toBe(404);
  });
});

describe('on PostgreSQL, where requests really run at once', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ store: 'postgres', clients: CLIENTS });
  });
  afterAll(async () => idp?.close());

  test('a "this was not me" link sent twice at once takes the account back once', async () => {
    const person = await registerPerson(idp);
    await new HttpSession().request(`${idp.issuer}${RESET}/email`, { form: { email: person.email } });
    const mail = await idp.mailbox.waitFor(person.email, { subject: /Reset your Passport password/ });
    const reset = await fetch(firstLink(mail, `${idp.issuer}${RESET}/link/`), {
      method: 'POST',
      body: new URLSearchParams({ password: 'Intruder-Password-99', password2: 'Intruder-Password-99' }),
    });
    expect(reset.status).toBe(200);
    const notice = await idp.mailbox.waitFor(person.email, { subject: /password was changed/ });
    const notMe = firstLink(notice, `${idp.issuer}/password/not-me/`);

    const statuses = await Promise.all(
      ['Owner-Password-One-1', 'Owner-Password-Two-2'].map(async (password) => {
        const response = await fetch(notMe, {
          method: 'POST',
          body: new URLSearchParams({ password, password2: password }),
        });
        return response.status;
      }),
    );
    expect(statuses.sort()).toEqual([200, 410]);
    const entries = await idp.db
      .selectFrom('activity')
      .select('detail')
      .where('kind', '=', 'password-reset')
      .where('detail', 'like', 'not me%')
      .execute();
    expect(entries).toHaveLength(1);
  });
});
