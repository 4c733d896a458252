import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accountClientMetadata } from '../../idp/account-services/sign-in.ts';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { firstLink } from '../helpers/mailbox.ts';
import { authorizationRequest, discover, type oidc, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';

const SITE_SECRET = 'trusted-devices-site-secret-0123456789';
/** Wrong passwords a browser that never signed in to the account gets before it must wait. */
const ACCOUNT_ALLOWANCE = 5;
/** Wrong passwords a browser that did sign in to the account gets of its own. */
const DEVICE_ALLOWANCE = 10;

type Client = { address: string; userAgent: string };
type Credentials = { email: string; password: string };
const OWNER: Client = { address: '198.51.100.70', userAgent: 'Mozilla/5.0 Chrome/140.0' };

let networks = 0;
/** Each test guesses from a network of its own, so no test uses up another's network allowance. */
function attacker(): Client {
  return { address: `203.0.113.${++networks}`, userAgent: 'Mozilla/5.0 Guesser/1.0' };
}

let guesses = 0;
const wrongPassword = () => `Wrong-guess-${++guesses}`;

// On PostgreSQL, where simultaneous requests really do run side by side.
describe('device cookies: the trusted lane belongs to a browser the server vouched for', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;

  beforeAll(async () => {
    // The account client's redirect URI names the issuer, so the issuer is fixed before start.
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({
      store: 'postgres',
      clients: [
        accountClientMetadata(issuer),
        { client_id: 'site', client_secret: SITE_SECRET, first_party: true, redirect_uris: [REDIRECT_URI] },
      ],
      env: { IDP_ISSUER: issuer, IDP_TRUST_PROXY: '1' },
    });
    config = await discover(idp.issuer, 'site', SITE_SECRET);
  });
  afterAll(async () => idp?.close());

  const url = (path: string) => `${idp.issuer}${path}`;

  /** The sign-in page of a fresh authorization request in this browser. */
  async function openSignIn(browser: HttpSession) {
    const { url: start } = await authorizationRequest(config, { prompt: 'login' });
    const { response, url: page } = await browser.follow(start);
    expect(page.pathname).toMatch(/^\/interaction\/[^/]+$/);
    return { html: await response.text(), action: `${page.origin}${page.pathname}` };
  }

  async function postPassword(action: string, browser: HttpSession, client: Client, form: Credentials) {
    const response = await browser.request(`${action}/login`, {
      form,
      headers: { 'x-forwarded-for': client.address, 'user-agent': client.userAgent },
    });
    return response.status;
  }

  async function trySignIn(browser: HttpSession, client: Client, form: Credentials) {
    return postPassword((await openSignIn(browser)).action, browser, client, form);
  }

  /** Signs in with the right password; the IdP answers by sending the browser on (303). */
  async function signIn(browser: HttpSession, person: TestPerson, client = OWNER) {
    expect(await trySignIn(browser, client, person)).toBe(303);
  }

  /** Wrong passwords the IdP checks (401) before it makes this browser wait (429) or solve a check (400). */
  async function guessesUntilRefused(browser: HttpSession, email: string, client: Client) {
    const { action } = await openSignIn(browser);
    let checked = 0;
    while (checked <= DEVICE_ALLOWANCE * 5) {
      const status = await postPassword(action, browser, client, { email, password: wrongPassword() });
      if (status !== 401) break;
      checked++;
    }
    return checked;
  }

  async function accountIdOf(person: TestPerson) {
    const row = await idp.db
      .selectFrom('accounts')
      .select('id')
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** "Forget" next to the account on this browser's sign-in page. */
  async function forgetOnSignInPage(browser: HttpSession, person: TestPerson) {
    const { action } = await openSignIn(browser);
    const response = await browser.request(`${action}/forget`, {
      form: { account: await accountIdOf(person) },
    });
    expect(response.status).toBe(303);
  }

  async function signInPageLists(browser: HttpSession, person: TestPerson) {
    return (await openSignIn(browser)).html.includes(person.email);
  }

  async function registerPeople(count: number) {
    const people: TestPerson[] = [];
    for (let index = 0; index < count; index++) people.push(await registerPerson(idp));
    return people;
  }

  test.each([3, 10])(
    'signing in to %i accounts of your own on a browser that remembers someone gives no extra guesses at them',
    async (ownAccounts) => {
      const victim = await registerPerson(idp);
      const attackersOwn = await registerPeople(ownAccounts);
      const guesser = attacker();
      // A shared computer the victim once signed in on, now in the attacker's hands.
      const shared = new HttpSession();
      await signIn(shared, victim);

      let guessed = await guessesUntilRefused(shared, victim.email, guesser);
      // Every account the browser signs in to or forgets reshapes what it remembers.
      for (const own of attackersOwn) {
        await signIn(shared, own, guesser);
        guessed += await guessesUntilRefused(shared, victim.email, guesser);
        await forgetOnSignInPage(shared, own);
        guessed += await guessesUntilRefused(shared, victim.email, guesser);
      }
      expect(guessed).toBe(DEVICE_ALLOWANCE);
    },
  );

  test("the owner's remembered browser still signs in while a stranger with accounts of their own is locked out", async () => {
    const owner = await registerPerson(idp);
    const ownersBrowser = new HttpSession();
    await signIn(ownersBrowser, owner);

    const stranger = new HttpSession();
    const guesser = attacker();
    let guessed = 0;
    for (const own of await registerPeople(3)) {
      await signIn(stranger, own, guesser);
      guessed += await guessesUntilRefused(stranger, owner.email, guesser);
    }
    expect(guessed).toBe(ACCOUNT_ALLOWANCE);
    // Refused without the password being looked at: a wait (429), or once it ran out the bot check (400).
    expect([429, 400]).toContain(await trySignIn(stranger, guesser, owner));

    await signIn(ownersBrowser, owner);
  });

  test('a device id is random, held only by the browser, and stored only as its SHA-256', async () => {
    const person = await registerPerson(idp);
    const first = new HttpSession();
    const second = new HttpSession();
    await signIn(first, person);
    await signIn(second, person);
    const deviceIds = [first, second].map((browser) => browser.cookie('idp_devices'));
    expect(deviceIds[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(deviceIds[1]).not.toBe(deviceIds[0]);

    const stored = await idp.db
      .selectFrom('trusted_devices')
      .select('id_hash')
      .where('account_id', '=', await accountIdOf(person))
      .execute();
    expect(stored.map((row) => row.id_hash).sort()).toEqual(
      deviceIds.map((id) => createHash('sha256').update(id!).digest('base64url')).sort(),
    );
  });

  test('a browser offers at most five accounts, and the one it lets go is no longer trusted there', async () => {
    const [oldest, ...newer] = await registerPeople(6);
    const browser = new HttpSession();
    for (const person of [oldest!, ...newer]) await signIn(browser, person);
    const page = (await openSignIn(browser)).html;
    expect(newer.every((person) => page.includes(person.email))).toBe(true);
    expect(page).not.toContain(oldest!.email);
    expect(await guessesUntilRefused(browser, oldest!.email, attacker())).toBe(ACCOUNT_ALLOWANCE);
  });

  describe('a device stops being trusted, and stops showing the account, after', () => {
    /** A password reset through the mailed link, from a browser elsewhere. */
    async function resetPassword(person: TestPerson) {
      const elsewhere = new HttpSession();
      const after = new Date();
      await elsewhere.request(url('/password/reset/email'), { form: { email: person.email } });
      const mail = await idp.mailbox.waitFor(person.email, {
        subject: /Reset your Passport password/,
        after,
      });
      const password = 'Brand-New-Password-70';
      const done = await elsewhere.request(firstLink(mail, url('/password/reset/link/')), {
        form: { password, password2: password },
      });
      expect(done.status).toBe(200);
    }

    /** "Sign out everywhere" on the account pages, from a browser elsewhere. */
    async function signOutEverywhere(person: TestPerson) {
      const elsewhere = new HttpSession();
      const signInPage = await elsewhere.follow(url('/account'));
      const signedIn = await elsewhere.follow(`${signInPage.url.origin}${signInPage.url.pathname}/login`, {
        form: { email: person.email, password: person.password },
      });
      expect(signedIn.url.pathname).toBe('/account');
      const done = await elsewhere.request(url('/account/sign-out-everywhere'), { method: 'POST' });
      expect(done.status).toBe(200);
    }

    test.each<[string, (person: TestPerson, device: HttpSession) => Promise<void>]>([
      ['a password reset', (person) => resetPassword(person)],
      ['"Sign out everywhere"', (person) => signOutEverywhere(person)],
      ['removal from the remembered list', (person, device) => forgetOnSignInPage(device, person)],
    ])('%s', async (_, revoke) => {
      const person = await registerPerson(idp);
      const device = new HttpSession();
      await signIn(device, person);
      expect(await signInPageLists(device, person)).toBe(true);
      // Whoever copied the device's cookies before keeps its device id, and nothing else.
      const copied = device.copy();

      await revoke(person, device);

      expect(await signInPageLists(device, person)).toBe(false);
      expect(await signInPageLists(copied, person)).toBe(false);
      expect(await guessesUntilRefused(copied, person.email, attacker())).toBe(ACCOUNT_ALLOWANCE);
    });
  });

  describe('simultaneous wrong passwords are all counted', () => {
    async function burst(tries: { action: string; browser: HttpSession }[], client: Client, email: string) {
      const statuses = await Promise.all(
        tries.map(({ action, browser }) =>
          postPassword(action, browser, client, { email, password: wrongPassword() }),
        ),
      );
      return {
        checked: statuses.filter((status) => status === 401).length,
        refused: statuses.filter((status) => status !== 401),
      };
    }

    test('from browsers that never signed in to the account', async () => {
      const person = await registerPerson(idp);
      const tries = [];
      for (let index = 0; index < 15; index++) {
        const browser = new HttpSession();
        tries.push({ browser, action: (await openSignIn(browser)).action });
      }
      const { checked, refused } = await burst(tries, attacker(), person.email);
      expect(checked).toBe(ACCOUNT_ALLOWANCE);
      expect(refused).toHaveLength(15 - ACCOUNT_ALLOWANCE);
      // Each refused unchecked: a wait, or on a slow machine, once the wait ran out, the bot check.
      expect(refused.every((status) => status === 429 || status === 400)).toBe(true);
    });

    test("from the owner's own browser", async () => {
      const person = await registerPerson(idp);
      const device = new HttpSession();
      await signIn(device, person);
      const { action } = await openSignIn(device);
      const { checked, refused } = await burst(
        Array(25).fill({ action, browser: device }),
        OWNER,
        person.email,
      );
      expect(checked).toBe(DEVICE_ALLOWANCE);
      expect(refused).toHaveLength(25 - DEVICE_ALLOWANCE);
      expect(refused.every((status) => status === 429 || status === 400)).toBe(true);
    });
  });
});
