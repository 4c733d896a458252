import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../helpers/oidc-client.ts';

const SECRET = 'key-fields-secret-0123456789-0123456789';
const KEY = 'harbour-lantern-42';
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];
const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);

/** The <input> tags that take the security key (key, key2), as written on the page. */
function keyInputs(html: string): string[] {
  return [...html.matchAll(/<input id="key2?"[^>]*>/g)].map(([input]) => input);
}

describe('the security key is explained where it is asked for, and kept apart from the password', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'strong-site',
          client_secret: SECRET,
          client_name: 'Strong Site',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
        },
      ],
    });
  });
  afterAll(async () => idp?.close());

  function expectExplainedAndApart(html: string, explanation: RegExp) {
    expect(html).toMatch(explanation);
    const inputs = keyInputs(html);
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs) {
      // Neither the site password's tokens nor a one-time code: a manager must not fill or save it.
      expect(input).toContain('autocomplete="off"');
      expect(input).not.toMatch(/autocomplete="(current-password|new-password|one-time-code)"/);
      expect(input).toContain('data-1p-ignore');
      expect(input).toContain('data-lpignore="true"');
      expect(input).toMatch(/aria-describedby="[^"]*key-what/);
    }
  }

  test('set-up and entry say in one line that the key is a typed secret, in both languages', async () => {
    const person = await registerPerson(idp);
    const config = await discover(idp.issuer, 'strong-site', SECRET);
    const browser = new HttpSession();
    const { url } = await authorizationRequest(config, { acr_values: ACR_STRONG });
    const signIn = await browser.follow(url, {}, atCallback);
    const base = signIn.url.href;
    const setUp = await browser.follow(`${base}/login`, {
      form: { email: person.email, password: person.password },
    });
    expect(setUp.url.pathname).toMatch(/\/security-key\/set-up$/);
    expectExplainedAndApart(await setUp.response.text(), /not a USB or phone key/);
    const inPortuguese = await browser.request(setUp.url, { headers: { 'accept-language': 'pt-BR' } });
    expect(await inPortuguese.text()).toMatch(/não é um dispositivo USB nem o celular/);

    const questions = SECURITY_KEY_QUESTIONS.slice(0, 3);
    const confirm = await browser.follow(setUp.url, {
      form: {
        key: KEY,
        key2: KEY,
        question1: questions[0]!,
        question2: questions[1]!,
        question3: questions[2]!,
        answer1: ANSWERS[0]!,
        answer2: ANSWERS[1]!,
        answer3: ANSWERS[2]!,
      },
    });
    const entry = await browser.follow(confirm.url, {
      form: { answer1: ANSWERS[0]!, answer2: ANSWERS[1]!, answer3: ANSWERS[2]! },
    });
    expect(entry.url.pathname).toMatch(/\/security-key$/);
    expectExplainedAndApart(await entry.response.text(), /not a USB or phone key/);

    // Back to the key page once the key took the person to the site: signed in, so a way on.
    const done = await browser.follow(entry.url, { form: { key: KEY } }, atCallback);
    expect(atCallback(done.url)).toBe(true);
    const back = await browser.request(entry.url, { headers: { 'accept-language': 'pt-BR' } });
    expect(back.status).toBe(200);
    const html = await back.text();
    expect(html).toContain('Você já entrou');
    expect(html).toContain('href="/account"');
  });
});
