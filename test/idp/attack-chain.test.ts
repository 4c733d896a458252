import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { emailKey } from '../../idp/accounts/normalize.ts';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { solveBotCheck } from '../helpers/botcheck.ts';
import { type PassportFlow, signInToExtranet, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';

const KEY = 'harbour-lantern-42';
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];
const KEY_PAGE = /^\/interaction\/[^/]+\/security-key$/;

/**
 * The chains an attacker would try against a site that asks for the strong
 * level (password and security key), end to end against the real IdP and the
 * real extranet: knowing the victim's password, or knowing their secret answer
 * and the claims sites receive (country, postal code).
 */
describe('attack chains against the strong level', () => {
  let network: Awaited<ReturnType<typeof startIdpAndExtranet>>;

  beforeAll(async () => {
    network = await startIdpAndExtranet({ env: { RP_REQUIRED_ACR: ACR_STRONG } });
  });
  afterAll(async () => network?.close());

  const idpUrl = (path: string) => `${network.idp.issuer}${path}`;
  const atExtranet = (flow: { url: URL }) => flow.url.origin === new URL(network.extranet.url).origin;

  async function keyHashOf(person: TestPerson) {
    const row = await network.idp.db
      .selectFrom('accounts')
      .select('security_key_hash')
      .where('email_key', '=', emailKey(person.email))
      .executeTakeFirstOrThrow();
    return row.security_key_hash;
  }

  /** Passport's key page, answered with `key`, and on to wherever the flow leads. */
  async function typeKey(browser: HttpSession, flow: PassportFlow | { url: URL }, key: string) {
    expect(flow.url.pathname, 'the key page').toMatch(KEY_PAGE);
    return browser.follow(flow.url, { form: { key } });
  }

  /**
   * The victim as they would be: an account with a security key, and the
   * browser they use, which has typed the key at the extranet before.
   */
  async function victimWithKey() {
    const victim = await registerPerson(network.idp);
    const owner = new HttpSession();
    const signInPage = await owner.follow(idpUrl('/account'));
    await owner.follow(`${signInPage.url.href}/login`, {
      form: { email: victim.email, password: victim.password },
    });
    const questions = SECURITY_KEY_QUESTIONS.slice(0, 3);
    const chosen = await owner.follow(idpUrl('/account/security-key'), {
      form: {
        key: KEY,
        key2: KEY,
        ...Object.fromEntries(questions.map((question, index) => [`question${index + 1}`, question])),
        ...Object.fromEntries(ANSWERS.map((answer, index) => [`answer${index + 1}`, answer])),
      },
    });
    expect(chosen.url.pathname).toBe('/account/security-key/confirm');
    const saved = await owner.request(idpUrl('/account/security-key/confirm'), {
      form: Object.fromEntries(ANSWERS.map((answer, index) => [`answer${index + 1}`, answer])),
    });
    expect(saved.status).toBe(200);

    const first = await signInToExtranet(network.extranet, victim, { browser: owner });
    const inside = await typeKey(owner, first, KEY);
    expect(atExtranet(inside)).toBe(true);
    return { victim, owner };
  }

  test('knowing the password: no strong level at the extranet, no new key, and the owner is not locked out', async () => {
    const { victim, owner } = await victimWithKey();
    const keyBefore = await keyHashOf(victim);
    const attacker = new HttpSession();

    // The extranet wants the strong level: the password leads to the key page, never inside.
    const flow = await signInToExtranet(network.extranet, victim, { browser: attacker });
    expect(flow.askedForPassword).toBe(true);
    expect(atExtranet(flow)).toBe(false);
    expect(flow.url.pathname).toMatch(KEY_PAGE);

    // Guessing the key until the guard stops answering guesses at all.
    const statuses: number[] = [];
    for (let guess = 0; guess < 12; guess++) {
      const tried = await attacker.follow(flow.url, { form: { key: `guess-${guess}-lantern` } });
      expect(atExtranet(tried)).toBe(false);
      statuses.push(tried.response.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429 || status === 400)).toBe(true);

    // Account services: replacing the key asks for the key, which the attacker lacks.
    const replace = await attacker.follow(idpUrl('/account/security-key'));
    expect(replace.url.pathname).toMatch(KEY_PAGE);
    expect(await keyHashOf(victim)).toBe(keyBefore);

    // The owner's own browser, after a restart, still gets in with password and key.
    owner.closeBrowser();
    const again = await signInToExtranet(network.extranet, victim, { browser: owner });
    expect(again.askedForPassword).toBe(true);
    const inside = await typeKey(owner, again, KEY);
    expect(inside.response.status).toBe(200);
    expect(atExtranet(inside)).toBe(true);
  });

  test('knowing the secret answer and the claims sites receive: no reset, no sign-in, no lock-out', async () => {
    const { victim, owner } = await victimWithKey();
    const stranger = new HttpSession();
    const newPassword = 'Taken-Over-Secret-99';

    for (let tries = 0; tries < 6; tries++) {
      const claimed = await stranger.request(idpUrl('/password/reset/answer/check'), {
        form: {
          email: victim.email,
          answer: victim.answer,
          // Released to every site granted the address scope: worth nothing here.
          country: 'GB',
          postal_code: 'SW1A 1AA',
          password: newPassword,
          password2: newPassword,
          altcha: await solveBotCheck(network.idp.issuer),
        },
      });
      expect(claimed.status).toBe(403);
    }

    // The password did not change: the claimed one gets nowhere, at the extranet or at Passport.
    const taken = await signInToExtranet(
      network.extranet,
      { ...victim, password: newPassword },
      {
        browser: stranger,
      },
    );
    expect(atExtranet(taken)).toBe(false);
    expect(taken.response.status).toBe(401);

    // And the owner's browser still has its own way back by the answer.
    const asked = await owner.request(idpUrl('/password/reset/answer'), { form: { email: victim.email } });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('Name of first pet');
  });
});
