import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { solveBotCheck } from '../helpers/botcheck.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, type oidc, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { moveThrottlesBack } from '../helpers/stored-state.ts';

const SITE_SECRET = 'site-secret-0123456789-0123456789';
const WRONG = 'The e-mail address or password is incorrect.';
const TOO_SOON = /Too many failed attempts\. Please try again in (\d+) seconds?\./;
const NOT_A_ROBOT = 'please complete the check that you are not a robot';

/** Where a request comes from: the IdP trusts X-Forwarded-For here, as behind a proxy. */
type Client = { address: string; userAgent: string };

const ATTACKER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) Guesser/1.0';
const OWNER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/140.0 Safari/537.36';

/** What a person sees of one answer: status, the message in the alert, whether the bot check is shown. */
type Answer = {
  status: number;
  message: string;
  botCheck: boolean;
  retryAfter: string | null;
  location: string;
};

describe('brute-force defence of the password', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;

  /** A browser at the sign-in page of a fresh authorization request. */
  async function openSignIn(session = new HttpSession(), params: Record<string, string> = {}) {
    const { url } = await authorizationRequest(config, params);
    const { url: page } = await session.follow(url);
    expect(page.pathname).toMatch(/^\/interaction\/[^/]+$/);
    return { session, loginUrl: `${page.origin}${page.pathname}/login` };
  }

  type Browser = Awaited<ReturnType<typeof openSignIn>>;

  async function trySignIn(
    browser: Browser,
    client: Client,
    form: { email: string; password: string; altcha?: string },
  ): Promise<Answer> {
    const response = await browser.session.request(browser.loginUrl, {
      form,
      headers: { 'x-forwarded-for': client.address, 'user-agent': client.userAgent },
    });
    const html = await response.text();
    return {
      status: response.status,
      message: /role="alert"[^>]*>\s*<p>([^<]*)<\/p>/.exec(html)?.[1] ?? '',
      botCheck: html.includes('<altcha-widget'),
      retryAfter: response.headers.get('retry-after'),
      location: response.headers.get('location') ?? '',
    };
  }

  /** A sign-in that the IdP accepted carries on to the site with an authorization code. */
  async function expectSignedIn(browser: Browser, answer: Answer) {
    expect(answer, `expected a sign-in, got: ${answer.message}`).toMatchObject({ status: 303 });
    const { url } = await browser.session.follow(new URL(answer.location, browser.loginUrl), {}, (location) =>
      location.href.startsWith(REDIRECT_URI),
    );
    expect(url.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(url.searchParams.get('code')).toBeTruthy();
  }

  /** Time passes for every failure counter, as it would while the attacker waits. */
  async function letTimePass(ms: number) {
    await moveThrottlesBack(idp, ms);
  }

  /** A browser that signed in to the account once, so its device cookie names it. */
  async function rememberedBrowser(person: TestPerson, client: Client) {
    const browser = await openSignIn();
    await expectSignedIn(browser, await trySignIn(browser, client, person));
    return browser.session;
  }

  async function failFiveTimes(browser: Browser, client: Client, email: string): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      answers.push(await trySignIn(browser, client, { email, password: `Wrong-guess-${attempt}` }));
    }
    return answers;
  }

  beforeAll(async () => {
    idp = await startTestIdp({
      clients: [
        { client_id: 'site', client_secret: SITE_SECRET, first_party: true, redirect_uris: [REDIRECT_URI] },
      ],
      env: { IDP_TRUST_PROXY: '1' },
    });
    config = await discover(idp.issuer, 'site', SITE_SECRET);
  });
  afterAll(async () => idp?.close());

  test("after five failures the attacker's tries wait and need the bot check; the owner's browser signs in at once", async () => {
    const owner = await registerPerson(idp);
    const ownerClient = { address: '198.51.100.10', userAgent: OWNER_AGENT };
    const attackerClient = { address: '203.0.113.10', userAgent: ATTACKER_AGENT };
    const ownerSession = await rememberedBrowser(owner, ownerClient);

    const attacker = await openSignIn();
    const failures = await failFiveTimes(attacker, attackerClient, owner.email);
    expect(failures.map(({ status, message }) => [status, message])).toEqual(Array(5).fill([401, WRONG]));
    expect(failures.map((answer) => answer.botCheck)).toEqual([false, false, false, false, true]);

    // Too soon: refused without looking at the password, even the right one.
    const tooSoon = await trySignIn(attacker, attackerClient, owner);
    expect(tooSoon).toMatchObject({ status: 429, botCheck: true, retryAfter: '2' });
    expect(tooSoon.message).toMatch(TOO_SOON);
    expect(tooSoon.message).toContain('2 seconds');

    // The owner's own browser is not held up: the right password, no wait, no bot check.
    const ownerAgain = await openSignIn(ownerSession, { prompt: 'login' });
    await expectSignedIn(ownerAgain, await trySignIn(ownerAgain, ownerClient, owner));

    // ...and its success gave the attacker nothing back: once the wait is over, the bot check is due.
    await letTimePass(2_000);
    const unsolved = await trySignIn(attacker, attackerClient, owner);
    expect(unsolved).toMatchObject({ status: 400, botCheck: true });
    expect(unsolved.message.toLowerCase()).toContain(NOT_A_ROBOT);

    // Both proofs solved first, so no work stands between the failure and the next try.
    const [firstProof, nextProof] = [await solveBotCheck(idp.issuer), await solveBotCheck(idp.issuer)];
    const solvedButWrong = await trySignIn(attacker, attackerClient, {
      email: owner.email,
      password: 'Wrong-guess-6',
      altcha: firstProof,
    });
    expect(solvedButWrong).toMatchObject({ status: 401, message: WRONG, botCheck: true });

    // Each further failure doubles the wait.
    const soonAgain = await trySignIn(attacker, attackerClient, { ...owner, altcha: nextProof });
    expect(soonAgain).toMatchObject({ status: 429, retryAfter: '4' });
    expect(soonAgain.message).toContain('4 seconds');

    // A solved check and the right password get in once the wait is over.
    await letTimePass(4_000);
    await expectSignedIn(
      attacker,
      await trySignIn(attacker, attackerClient, { ...owner, altcha: await solveBotCheck(idp.issuer) }),
    );
  });

  test('an unknown address is throttled exactly like a known one, and leaves no activity', async () => {
    const known = await registerPerson(idp);
    const unknownEmail = `nobody.${Date.now()}@example.test`;

    async function attack(email: string, address: string): Promise<Answer[]> {
      const client = { address, userAgent: ATTACKER_AGENT };
      const browser = await openSignIn();
      const answers = await failFiveTimes(browser, client, email);
      answers.push(await trySignIn(browser, client, { email, password: 'Wrong-guess-6' }));
      await letTimePass(2_000);
      answers.push(await trySignIn(browser, client, { email, password: 'Wrong-guess-7' }));
      answers.push(
        await trySignIn(browser, client, {
          email,
          password: 'Wrong-guess-8',
          altcha: await solveBotCheck(idp.issuer),
        }),
      );
      answers.push(await trySignIn(browser, client, { email, password: 'Wrong-guess-9' }));
      return answers.map((answer) => ({ ...answer, location: '' }));
    }

    const againstKnown = await attack(known.email, '203.0.113.20');
    const activityBefore = await activityCount();
    const againstUnknown = await attack(unknownEmail, '203.0.113.21');

    expect(againstKnown.map((answer) => answer.status)).toEqual([
      401, 401, 401, 401, 401, 429, 400, 401, 429,
    ]);
    expect(againstUnknown).toEqual(againstKnown);
    expect(await activityCount()).toBe(activityBefore);
  });

  test('the owner is mailed once when the lockout begins, and every try is in the activity', async () => {
    const owner = await registerPerson(idp);
    const ownerClient = { address: '198.51.100.30', userAgent: OWNER_AGENT };
    const attackerClient = { address: '203.0.113.30', userAgent: ATTACKER_AGENT };
    const ownerSession = await rememberedBrowser(owner, ownerClient);

    const attacker = await openSignIn();
    await failFiveTimes(attacker, attackerClient, owner.email);
    expect((await trySignIn(attacker, attackerClient, owner)).status).toBe(429);
    for (const [wait, guess] of [
      [2_000, 'Wrong-guess-6'],
      [4_000, 'Wrong-guess-7'],
    ] as const) {
      await letTimePass(wait);
      const answer = await trySignIn(attacker, attackerClient, {
        email: owner.email,
        password: guess,
        altcha: await solveBotCheck(idp.issuer),
      });
      expect(answer.status).toBe(401);
    }
    const ownerAgain = await openSignIn(ownerSession, { prompt: 'login' });
    await expectSignedIn(ownerAgain, await trySignIn(ownerAgain, ownerClient, owner));

    const mail = await idp.mailbox.waitFor(owner.email, { subject: /Repeated failed attempts/ });
    expect(mail.Text).toContain('a wrong password');
    expect(mail.Text).toContain(attackerClient.address);
    const lockoutMails = await idp.db
      .selectFrom('outbox')
      .select('id')
      .where('recipient', '=', owner.email)
      .where('subject', 'like', 'Repeated failed attempts%')
      .execute();
    expect(lockoutMails).toHaveLength(1);

    const account = await idp.db
      .selectFrom('accounts')
      .select('id')
      .where('email', '=', owner.email)
      .executeTakeFirstOrThrow();
    const activity = await idp.db
      .selectFrom('activity')
      .select(['kind', 'success', 'ip', 'user_agent', 'client_id'])
      .where('account_id', '=', account.id)
      .orderBy('at')
      .execute();
    const signIns = activity.filter((row) => row.kind === 'sign-in');
    const owners = { ip: ownerClient.address, user_agent: OWNER_AGENT, client_id: 'site' };
    const attackers = { ip: attackerClient.address, user_agent: ATTACKER_AGENT, client_id: 'site' };
    // The refused try (too soon) was never checked, so it is not a sign-in.
    expect(signIns.map(({ kind: _kind, ...row }) => ({ ...row, success: Number(row.success) }))).toEqual([
      { ...owners, success: 1 },
      ...Array(7).fill({ ...attackers, success: 0 }),
      { ...owners, success: 1 },
    ]);
    expect(activity.filter((row) => row.kind === 'lockout')).toEqual([
      expect.objectContaining({ ip: attackerClient.address, user_agent: ATTACKER_AGENT }),
    ]);
  });

  test('a burst of simultaneous guesses gets no more than the allowance', async () => {
    const owner = await registerPerson(idp);
    const attackerClient = { address: '203.0.113.40', userAgent: ATTACKER_AGENT };
    const attacker = await openSignIn();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        trySignIn(attacker, attackerClient, { email: owner.email, password: `Wrong-guess-${index}` }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
  });

  test('a remembered browser has an allowance of its own, and its success resets only itself', async () => {
    const owner = await registerPerson(idp);
    const ownerClient = { address: '198.51.100.40', userAgent: OWNER_AGENT };
    const ownerSession = await rememberedBrowser(owner, ownerClient);

    const ownBrowser = await openSignIn(ownerSession, { prompt: 'login' });
    const typos: Answer[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      typos.push(
        await trySignIn(ownBrowser, ownerClient, { email: owner.email, password: `Typo-${attempt}` }),
      );
    }
    expect(typos.map((answer) => answer.status)).toEqual(Array(10).fill(401));
    expect(typos.map((answer) => answer.botCheck)).toEqual([...Array(9).fill(false), true]);
    expect((await trySignIn(ownBrowser, ownerClient, owner)).status).toBe(429);

    // Those typos were the device's own: a browser the account never used is not held up by them.
    const newBrowser = await openSignIn();
    await expectSignedIn(
      newBrowser,
      await trySignIn(newBrowser, { address: '198.51.100.41', userAgent: OWNER_AGENT }, owner),
    );

    await letTimePass(2_000);
    await expectSignedIn(
      ownBrowser,
      await trySignIn(ownBrowser, ownerClient, { ...owner, altcha: await solveBotCheck(idp.issuer) }),
    );
    // The success reset the device: a typo now is just a typo.
    const after = await openSignIn(ownerSession, { prompt: 'login' });
    expect(await trySignIn(after, ownerClient, { email: owner.email, password: 'Typo-again' })).toMatchObject(
      { status: 401, botCheck: false },
    );
  });

  describe('one network guessing across many accounts', () => {
    async function guessAcrossAccounts(addressOf: (index: number) => string) {
      const browser = await openSignIn();
      const statuses: number[] = [];
      for (let index = 0; index < 50; index++) {
        const client = { address: addressOf(index), userAgent: ATTACKER_AGENT };
        const email = `stranger.${index}.${Date.now()}@example.test`;
        statuses.push((await trySignIn(browser, client, { email, password: 'Summer2024!' })).status);
      }
      expect(statuses).toEqual(Array(50).fill(401));
    }

    test('after fifty failures from one address, every account from it waits and needs the bot check', async () => {
      const person = await registerPerson(idp);
      const shared = { address: '192.0.2.50', userAgent: OWNER_AGENT };
      const rememberedSession = await rememberedBrowser(person, shared);
      await guessAcrossAccounts(() => shared.address);

      // An account with no failures of its own, from that address, in a browser it never used.
      const untrusted = await openSignIn();
      const refused = await trySignIn(untrusted, shared, person);
      expect(refused).toMatchObject({ status: 429, botCheck: true });
      expect(refused.message).toMatch(TOO_SOON);

      // Elsewhere the same person is not held up, nor in their own browser behind the same address.
      const elsewhere = await openSignIn();
      await expectSignedIn(
        elsewhere,
        await trySignIn(elsewhere, { address: '192.0.2.51', userAgent: OWNER_AGENT }, person),
      );
      const remembered = await openSignIn(rememberedSession, { prompt: 'login' });
      await expectSignedIn(remembered, await trySignIn(remembered, shared, person));

      await letTimePass(2_000);
      expect(await trySignIn(untrusted, shared, person)).toMatchObject({ status: 400, botCheck: true });
      await expectSignedIn(
        untrusted,
        await trySignIn(untrusted, shared, { ...person, altcha: await solveBotCheck(idp.issuer) }),
      );
    });

    test('IPv6 addresses of one /64 network count together', async () => {
      await guessAcrossAccounts((index) => `2001:db8:7:9::${(index + 1).toString(16)}`);
      const browser = await openSignIn();
      const sameNetwork = { address: '2001:0db8:0007:0009:ffff:1:2:3', userAgent: ATTACKER_AGENT };
      const otherNetwork = { address: '2001:db8:7:a::1', userAgent: ATTACKER_AGENT };
      const guess = { email: `stranger.v6.${Date.now()}@example.test`, password: 'Summer2024!' };
      expect((await trySignIn(browser, sameNetwork, guess)).status).toBe(429);
      expect((await trySignIn(browser, otherNetwork, guess)).status).toBe(401);
    });
  });

  test('a bot check answer that is not one is refused clearly', async () => {
    const browser = await openSignIn();
    const answer = await trySignIn(
      browser,
      { address: '203.0.113.90', userAgent: ATTACKER_AGENT },
      { email: 'someone@example.test', password: 'Whatever-123', altcha: 'x'.repeat(10_000) },
    );
    expect(answer).toMatchObject({ status: 400, botCheck: true });
  });

  async function activityCount(): Promise<number> {
    const row = await idp.db
      .selectFrom('activity')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
});
