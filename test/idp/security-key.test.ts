import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { idpCatalogues } from '../../idp/locales/catalogues.ts';
import { ACR_PASSWORD, ACR_STRONG } from '../../idp/oidc/acr.ts';
import { SECURITY_KEY_QUESTIONS } from '../../idp/security-key/forms.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { solveBotCheck } from '../helpers/botcheck.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, discover, oidc, REDIRECT_URI } from '../helpers/oidc-client.ts';
import { ageSignIns, moveThrottlesBack, pendingSteps } from '../helpers/stored-state.ts';

const STRONG_SECRET = 'strong-site-secret-0123456789-0123456789';
const PLAIN_SECRET = 'plain-site-secret-0123456789-0123456789';
const TEN_KB = 'x'.repeat(10 * 1024);
const KEY = 'harbour-lantern-42';
const QUESTIONS = SECURITY_KEY_QUESTIONS.slice(0, 3);
// Questions are stored and posted by id; an English page shows the English catalogue's words.
const inEnglish = (question: string) => idpCatalogues.t('en')(`questions.${question}`);
const ANSWERS = ['Rex the Dog', 'Lisbon', 'Mrs Smith'];
const STRONG = { acr_values: ACR_STRONG };

const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);

function setUpForm(change: Record<string, string> = {}): Record<string, string> {
  return {
    key: KEY,
    key2: KEY,
    question1: QUESTIONS[0]!,
    question2: QUESTIONS[1]!,
    question3: QUESTIONS[2]!,
    answer1: ANSWERS[0]!,
    answer2: ANSWERS[1]!,
    answer3: ANSWERS[2]!,
    ...change,
  };
}

function answersForm(answers: string[]): Record<string, string> {
  return { answer1: answers[0]!, answer2: answers[1]!, answer3: answers[2]! };
}

/**
 * One authorization request walked through the IdP's pages over HTTP, as a
 * browser would: each form is posted to the interaction it was shown in.
 */
class Walk {
  page!: { response: Response; url: URL };
  html = '';
  #request!: Awaited<ReturnType<typeof authorizationRequest>>;

  readonly config: oidc.Configuration;
  readonly browser: HttpSession;

  constructor(config: oidc.Configuration, browser = new HttpSession()) {
    this.config = config;
    this.browser = browser;
  }

  async start(params: Record<string, string> = {}): Promise<this> {
    this.#request = await authorizationRequest(this.config, params);
    await this.#show(this.browser.follow(this.#request.url, {}, atCallback));
    return this;
  }

  /** Where the walk stands: the path after /interaction/<uid>, or 'callback'. */
  get at(): string {
    if (atCallback(this.page.url)) return 'callback';
    return this.page.url.pathname.replace(/^\/interaction\/[^/]+/, '');
  }

  get interactionPath(): string {
    const match = /^\/interaction\/[^/]+/.exec(this.page.url.pathname);
    if (!match) throw new Error(`not in an interaction: ${this.page.url.href}`);
    return `${this.page.url.origin}${match[0]}`;
  }

  get status(): number {
    return this.page.response.status;
  }

  async post(path: string, form: Record<string, string>): Promise<this> {
    await this.#show(this.browser.follow(`${this.interactionPath}${path}`, { form }, atCallback));
    return this;
  }

  async get(path: string): Promise<this> {
    await this.#show(this.browser.follow(`${this.interactionPath}${path}`, {}, atCallback));
    return this;
  }

  async signIn(person: TestPerson): Promise<this> {
    expect(this.at, this.html.slice(0, 300)).toBe('');
    return this.post('/login', { email: person.email, password: person.password });
  }

  async tokens() {
    expect(this.at, this.html.slice(0, 500)).toBe('callback');
    return oidc.authorizationCodeGrant(this.config, this.page.url, {
      pkceCodeVerifier: this.#request.verifier,
      expectedState: this.#request.state,
      expectedNonce: this.#request.nonce,
    });
  }

  async #show(step: Promise<{ response: Response; url: URL }>) {
    this.page = await step;
    const { status } = this.page.response;
    this.html = status >= 300 && status < 400 ? '' : await this.page.response.text();
  }
}

describe('security key step-up', () => {
  let idp: TestIdp;
  let strongSite: oidc.Configuration;
  let plainSite: oidc.Configuration;

  beforeAll(async () => {
    idp = await startTestIdp({
      clients: [
        {
          client_id: 'strong-site',
          client_secret: STRONG_SECRET,
          client_name: 'Strong Site',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
        },
        {
          client_id: 'plain-site',
          client_secret: PLAIN_SECRET,
          client_name: 'Plain Site',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
        },
      ],
    });
    strongSite = await discover(idp.issuer, 'strong-site', STRONG_SECRET);
    plainSite = await discover(idp.issuer, 'plain-site', PLAIN_SECRET);
  });
  afterAll(async () => idp?.close());

  async function storedKey(person: TestPerson) {
    return idp.db
      .selectFrom('accounts')
      .select([
        'id',
        'security_key_hash',
        'security_questions',
        'security_answer_hashes',
        'security_key_set_at',
      ])
      .where('email', '=', person.email)
      .executeTakeFirstOrThrow();
  }

  async function count(table: 'outbox' | 'activity') {
    const row = await idp.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function pendingStepCount(accountId: string) {
    return (await pendingSteps(idp, accountId)).length;
  }

  async function storedState(person: TestPerson) {
    const key = await storedKey(person);
    return { key, mails: await count('outbox'), pending: await pendingStepCount(key.id) };
  }

  /** A person whose account has a key, and a browser whose session reached the strong level. */
  async function personWithKey() {
    const person = await registerPerson(idp);
    const walk = await new Walk(strongSite).start(STRONG);
    await walk.signIn(person);
    await walk.post('/security-key/set-up', setUpForm());
    await walk.post('/security-key/confirm', answersForm(ANSWERS));
    await walk.post('/security-key', { key: KEY });
    await walk.tokens();
    return { person, browser: walk.browser };
  }

  /** A fresh browser at the key page of a strong sign-in, the key already set. */
  async function atKeyPage(person: TestPerson) {
    const walk = await new Walk(strongSite).start(STRONG);
    await walk.signIn(person);
    expect(walk.at).toBe('/security-key');
    return walk;
  }

  test('a first strong sign-in walks set-up, confirmation and key; the ID token says strong, amr pwd + pin', async () => {
    const person = await registerPerson(idp);
    const walk = await new Walk(strongSite).start(STRONG);
    await walk.signIn(person);

    expect(walk.at).toBe('/security-key/set-up');
    for (const label of [
      'Security key',
      'Retype security key',
      'Question 1',
      'Question 2',
      'Question 3',
      'Answer 1',
      'Answer 2',
      'Answer 3',
    ]) {
      expect(walk.html).toContain(`>${label}</label>`);
    }
    expect(SECURITY_KEY_QUESTIONS.length).toBeGreaterThanOrEqual(8);
    for (const question of SECURITY_KEY_QUESTIONS) {
      expect(walk.html.split(`>${inEnglish(question).replace("'", '&#39;')}</option>`)).toHaveLength(4);
    }
    await walk.post('/security-key/set-up', setUpForm());

    expect(walk.at).toBe('/security-key/confirm');
    for (const question of QUESTIONS) expect(walk.html).toContain(inEnglish(question).replace("'", '&#39;'));
    // Until the answers are confirmed the account has no key, and nothing plain is kept anywhere.
    expect((await storedKey(person)).security_key_hash).toBeNull();
    const pending = await pendingSteps(idp, (await storedKey(person)).id);
    expect(pending).toHaveLength(1);
    expect(JSON.stringify(pending)).not.toMatch(/harbour|Lisbon|Smith/i);

    await walk.post('/security-key/confirm', answersForm(['  rex THE   dog ', 'lisbon', 'MRS SMITH']));
    expect(walk.at).toBe('/security-key');
    expect(walk.html).toContain('Reset your security key');
    expect(walk.html).toMatch(/href="\/interaction\/[^/"]+\/sign-in">Sign in with a different account/);

    const stored = await storedKey(person);
    expect(stored.security_key_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.parse(stored.security_questions!)).toEqual(QUESTIONS);
    const answerHashes = JSON.parse(stored.security_answer_hashes!) as string[];
    expect(answerHashes).toHaveLength(3);
    expect(answerHashes.every((hash) => hash.startsWith('$argon2id$'))).toBe(true);
    expect(stored.security_key_set_at).toBeGreaterThan(0);
    const mail = await idp.mailbox.waitFor(person.email, { subject: /security key is set up/ });
    expect(mail.Text).not.toContain(KEY);

    await walk.post('/security-key', { key: KEY });
    const claims = (await walk.tokens()).claims()!;
    expect(claims.acr).toBe(ACR_STRONG);
    expect(claims.amr).toEqual(['pwd', 'pin']);

    const activity = await idp.db
      .selectFrom('activity')
      .select(['kind', 'success', 'client_id'])
      .where('account_id', '=', stored.id)
      .execute();
    expect(activity).toContainEqual({ kind: 'security-key-change', success: 1, client_id: 'strong-site' });
    expect(activity).toContainEqual({ kind: 'security-key', success: 1, client_id: 'strong-site' });
  });

  test('a site asking only the password level gets no key prompt', async () => {
    const { person, browser } = await personWithKey();

    const fresh = await new Walk(plainSite).start();
    await fresh.signIn(person);
    const claims = (await fresh.tokens()).claims()!;
    expect(claims.acr).toBe(ACR_PASSWORD);
    expect(claims.amr).toEqual(['pwd']);

    const passwordLevel = await new Walk(plainSite).start({ acr_values: ACR_PASSWORD });
    await passwordLevel.signIn(person);
    expect((await passwordLevel.tokens()).claims()!.acr).toBe(ACR_PASSWORD);

    // In the browser that reached the strong level, the other site signs in without any page.
    const sso = await new Walk(plainSite, browser).start();
    expect(sso.at).toBe('callback');
  });

  test('the session remembers the strong level: the strong site signs in again without pages', async () => {
    const { browser } = await personWithKey();
    const again = await new Walk(strongSite, browser).start(STRONG);
    const claims = (await again.tokens()).claims()!;
    expect(claims.acr).toBe(ACR_STRONG);
  });

  test.each([
    ['max_age=0', { max_age: '0' }],
    ['prompt=login', { prompt: 'login' }],
  ])('%s asks for the password and the key again', async (_name, params) => {
    const { person, browser } = await personWithKey();
    const walk = await new Walk(strongSite, browser).start({ ...STRONG, ...params });
    expect(walk.at).toBe('');
    expect(walk.html).toContain('Password');
    await walk.signIn(person);
    expect(walk.at).toBe('/security-key');
    await walk.post('/security-key', { key: KEY });
    const claims = (await walk.tokens()).claims()!;
    expect(claims.acr).toBe(ACR_STRONG);
    expect(claims.amr).toEqual(['pwd', 'pin']);
    expect(Math.abs(Number(claims.auth_time) - Date.now() / 1000)).toBeLessThan(30);
  });

  test('an essential acr claim asks for the key too', async () => {
    const { person } = await personWithKey();
    const walk = await new Walk(strongSite).start({
      claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_STRONG } } }),
    });
    await walk.signIn(person);
    expect(walk.at).toBe('/security-key');
    await walk.post('/security-key', { key: KEY });
    expect((await walk.tokens()).claims()!.acr).toBe(ACR_STRONG);

    const values = await new Walk(strongSite).start({
      claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_STRONG] } } }),
    });
    await values.signIn(person);
    expect(values.at).toBe('/security-key');
  });

  test('a session at the password level steps up in place when a site asks for the strong level', async () => {
    const { person } = await personWithKey();
    const walk = await new Walk(plainSite).start();
    await walk.signIn(person);
    await walk.tokens();

    const strong = await new Walk(strongSite, walk.browser).start(STRONG);
    expect(strong.at).toBe('/security-key');
    await strong.post('/security-key', { key: KEY });
    expect((await strong.tokens()).claims()!.acr).toBe(ACR_STRONG);
  });

  test('prompt=none with the strong level unmet answers an error, never a code', async () => {
    const { person } = await personWithKey();
    const walk = await new Walk(plainSite).start();
    await walk.signIn(person);
    await walk.tokens();

    const silent = await new Walk(strongSite, walk.browser).start({ ...STRONG, prompt: 'none' });
    expect(silent.at).toBe('callback');
    expect(silent.page.url.searchParams.get('error')).toBe('interaction_required');
    expect(silent.page.url.searchParams.get('code')).toBeNull();

    const essential = await new Walk(strongSite, walk.browser).start({
      prompt: 'none',
      claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_STRONG } } }),
    });
    expect(essential.page.url.searchParams.get('error')).toBe('interaction_required');
    expect(essential.page.url.searchParams.get('code')).toBeNull();
  });

  test('Cancel on the key pages returns access_denied to the site, never a password-level token', async () => {
    const { person } = await personWithKey();
    const walk = await atKeyPage(person);
    expect(walk.html).toMatch(/action="\/interaction\/[^/"]+\/abort"/);
    await walk.post('/abort', {});
    expect(walk.at).toBe('callback');
    expect(walk.page.url.searchParams.get('error')).toBe('access_denied');
    expect(walk.page.url.searchParams.get('code')).toBeNull();

    const setUp = await new Walk(strongSite).start(STRONG);
    await setUp.signIn(await registerPerson(idp));
    expect(setUp.at).toBe('/security-key/set-up');
    expect(setUp.html).toMatch(/action="\/interaction\/[^/"]+\/abort"/);
  });

  test('"Sign in with a different account" shows the sign-in form', async () => {
    const { person } = await personWithKey();
    const walk = await atKeyPage(person);
    await walk.get('/sign-in');
    expect(walk.status).toBe(200);
    expect(walk.html).toContain('>Password</label>');
  });

  test('"Sign in with a different account" from the key page signs in the other person, who then sets up a key', async () => {
    const { person } = await personWithKey();
    const other = await registerPerson(idp);
    const walk = await atKeyPage(person);
    await walk.get('/sign-in');
    await walk.post('/login', { email: other.email, password: other.password });
    // oidc-provider ends the first person's session before the second one's begins: a form to confirm it.
    expect(walk.html).toContain('/session/end/confirm');
    const action = /<form[^>]*action="([^"]+)"/.exec(walk.html)![1]!.replace(/&amp;/g, '&');
    const fields = Object.fromEntries(
      [...walk.html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((match) => [
        match[1]!,
        match[2]!,
      ]),
    );
    const next = await walk.browser.follow(new URL(action, idp.issuer), { form: fields }, atCallback);
    expect(next.url.pathname).toMatch(/^\/interaction\/[^/]+\/security-key\/set-up$/);
    const page = await next.response.text();
    expect(page).toContain('Set up your security key');
  });

  test('a wrong key is refused clearly; the right one still works', async () => {
    const { person } = await personWithKey();
    const walk = await atKeyPage(person);
    await walk.post('/security-key', { key: 'not-the-key-at-all' });
    expect(walk.status).toBe(401);
    expect(walk.html).toContain('role="alert"');
    expect(walk.html).toContain('The security key is incorrect.');
    await walk.post('/security-key', { key: KEY.toUpperCase() });
    expect(walk.status).toBe(401);
    await walk.post('/security-key', { key: KEY });
    expect((await walk.tokens()).claims()!.acr).toBe(ACR_STRONG);
  });

  test('one mistyped confirmation answer marks that answer only, and every typed answer stays', async () => {
    const person = await registerPerson(idp);
    const walk = await new Walk(strongSite).start(STRONG);
    await walk.signIn(person);
    await walk.post('/security-key/set-up', setUpForm());

    await walk.post('/security-key/confirm', answersForm(['Rex the Dog', 'Porto', 'Mrs Smith']));
    expect(walk.status).toBe(401);
    expect(walk.html.match(/aria-invalid="true"/g)).toHaveLength(1);
    expect(walk.html).toMatch(/<input id="answer2"[^>]*aria-invalid="true"/);
    expect(walk.html).toContain('href="#answer2"');
    expect(walk.html).not.toContain('href="#answer1"');
    for (const typed of ['Rex the Dog', 'Porto', 'Mrs Smith'])
      expect(walk.html).toContain(`value="${typed}"`);
  });

  test('wrong reset answers mark the three together, without saying which is right, and stay as typed', async () => {
    const { person } = await personWithKey();
    const walk = await atKeyPage(person);
    await walk.post('/security-key/reset', answersForm(['Rex the Dog', 'Porto', 'Mrs Smith']));
    expect(walk.status).toBe(401);
    expect(walk.html).toMatch(/<input id="answer1"[^>]*aria-invalid="true"/);
    expect(walk.html).toMatch(/<input id="answer2"[^>]*aria-invalid="true"/);
    expect(walk.html).toMatch(/<input id="answer3"[^>]*aria-invalid="true"/);
    for (const typed of ['Rex the Dog', 'Porto', 'Mrs Smith'])
      expect(walk.html).toContain(`value="${typed}"`);
  });

  test('wrong confirmation answers refuse to attach the key; three mistakes drop the set-up', async () => {
    const person = await registerPerson(idp);
    const walk = await new Walk(strongSite).start(STRONG);
    await walk.signIn(person);
    await walk.post('/security-key/set-up', setUpForm());
    const mailsBefore = await count('outbox');

    await walk.post('/security-key/confirm', answersForm(['Rex the Dog', 'Porto', 'Mrs Smith']));
    expect(walk.status).toBe(401);
    expect(walk.html).toContain('role="alert"');
    expect(walk.html).toContain('do not match');
    expect((await storedKey(person)).security_key_hash).toBeNull();

    // The key itself is not accepted while the set-up is unconfirmed.
    const keyPage = await walk.browser.follow(`${walk.interactionPath}/security-key`);
    expect(keyPage.url.pathname).toMatch(/\/security-key\/set-up$/);

    await walk.post('/security-key/confirm', answersForm(['a', 'b', 'c']));
    expect(walk.status).toBe(401);
    await walk.post('/security-key/confirm', answersForm(['x', 'y', 'z']));
    expect(walk.status).toBe(401);
    expect(walk.html).toContain('choose your security key and questions again');
    expect(walk.html).toContain('>Retype security key</label>');

    // The right answers now come too late: the set-up is gone.
    await walk.post('/security-key/confirm', answersForm(ANSWERS));
    expect(walk.status).toBe(409);
    expect(walk.html).toContain('Please start again');
    expect(walk.html).toContain('>Retype security key</label>');
    expect(await storedState(person)).toMatchObject({
      key: { security_key_hash: null, security_questions: null, security_answer_hashes: null },
      mails: mailsBefore,
      pending: 0,
    });
  });

  test('reset through the three questions, then a new key', async () => {
    const { person } = await personWithKey();
    const walk = await atKeyPage(person);
    await walk.get('/security-key/reset');
    expect(walk.status).toBe(200);
    for (const question of QUESTIONS) expect(walk.html).toContain(inEnglish(question).replace("'", '&#39;'));
    expect(walk.html).toContain('>Answer 3</label>');

    // Without the answers, no new key can be chosen.
    const skipped = await walk.browser.follow(`${walk.interactionPath}/security-key/reset/new-key`, {
      form: { key: 'a-new-key-12345', key2: 'a-new-key-12345' },
    });
    expect(skipped.url.pathname).toMatch(/\/security-key\/reset$/);

    await walk.post('/security-key/reset', answersForm(['Rex the Dog', 'Lisbon', 'Mr Smith']));
    expect(walk.status).toBe(401);
    expect(walk.html).toContain('At least one answer is incorrect.');

    await walk.post('/security-key/reset', answersForm(ANSWERS));
    expect(walk.at).toBe('/security-key/reset/new-key');
    expect(walk.html).toContain('>Retype security key</label>');
    expect(walk.html).not.toContain('>Question 1</label>');
    const newKey = 'copper-kettle-77';
    await walk.post('/security-key/reset/new-key', { key: newKey, key2: newKey });
    expect(walk.at).toBe('/security-key');
    expect(walk.html).toContain('Enter your new security key');
    const mail = await idp.mailbox.waitFor(person.email, { subject: /security key was reset/ });
    expect(mail.Text).not.toContain(newKey);

    await walk.post('/security-key', { key: KEY });
    expect(walk.status).toBe(401);
    await walk.post('/security-key', { key: newKey });
    expect((await walk.tokens()).claims()!.acr).toBe(ACR_STRONG);
    // The questions stay the owner's.
    expect(JSON.parse((await storedKey(person)).security_questions!)).toEqual(QUESTIONS);
  });

  test('wrong reset answers are throttled: after 5 a wait (429), then the bot check on each try', async () => {
    const { person } = await personWithKey();
    const { id } = await storedKey(person);
    const walk = await atKeyPage(person);
    const wrong = answersForm(['nope', 'nope', 'nope']);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await walk.post('/security-key/reset', wrong);
      expect(walk.status).toBe(401);
      expect(walk.html).toContain('At least one answer is incorrect.');
      expect(walk.html.includes('<altcha-widget')).toBe(attempt === 5);
    }
    // Even the right answers wait now, and the page says for how long.
    await walk.post('/security-key/reset', answersForm(ANSWERS));
    expect(walk.status).toBe(429);
    expect(walk.page.response.headers.get('retry-after')).toBe('2');
    expect(walk.html).toContain('try again in 2 seconds');
    await idp.mailbox.waitFor(person.email, { subject: /Repeated failed attempts/ });
    expect(walk.at).toBe('/security-key/reset');

    await movePauseBack(`security-key-answers:account:${id}`, 3_000);
    await walk.post('/security-key/reset', answersForm(ANSWERS));
    expect(walk.status).toBe(400);
    expect(walk.html).toContain('not a robot');

    await walk.post('/security-key/reset', {
      ...answersForm(ANSWERS),
      altcha: await solveBotCheck(idp.issuer),
    });
    expect(walk.at).toBe('/security-key/reset/new-key');
  });

  test('wrong keys are throttled with a growing wait and the bot check, and the owner is mailed once', async () => {
    const { person } = await personWithKey();
    const { id } = await storedKey(person);
    const counter = `security-key:account:${id}`;
    const walk = await atKeyPage(person);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await walk.post('/security-key', { key: `wrong-key-${attempt}` });
      expect(walk.status).toBe(401);
      expect(walk.html).toContain('role="alert"');
      expect(walk.html).toContain('The security key is incorrect.');
    }
    const mail = await idp.mailbox.waitFor(person.email, { subject: /Repeated failed attempts/ });
    expect(mail.Text).toContain('wrong security key');

    // Locked for a moment: even the right key waits, and the page still offers the reset.
    await walk.post('/security-key', { key: KEY });
    expect(walk.status).toBe(429);
    expect(walk.html).toContain('try again in 2 seconds');
    expect(walk.html).toContain('Reset your security key');

    await movePauseBack(counter, 3_000);
    await walk.post('/security-key', { key: KEY });
    expect(walk.status).toBe(400);
    expect(walk.html).toContain('not a robot');

    // A further wrong key doubles the wait.
    await walk.post('/security-key', { key: 'wrong-key-6', altcha: await solveBotCheck(idp.issuer) });
    expect(walk.status).toBe(401);
    await walk.post('/security-key', { key: KEY });
    expect(walk.status).toBe(429);
    expect(walk.html).toContain('try again in 4 seconds');
    expect(await lockoutMails(person)).toBe(1);

    await movePauseBack(counter, 5_000);
    await walk.post('/security-key', { key: KEY, altcha: await solveBotCheck(idp.issuer) });
    expect((await walk.tokens()).claims()!.acr).toBe(ACR_STRONG);
    const failures = await idp.db
      .selectFrom('activity')
      .select('kind')
      .where('account_id', '=', id)
      .where('kind', '=', 'security-key')
      .where('success', '=', 0)
      .execute();
    expect(failures).toHaveLength(6);
  });

  async function lockoutMails(person: TestPerson) {
    const rows = await idp.db
      .selectFrom('outbox')
      .select('id')
      .where('recipient', '=', person.email)
      .where('subject', 'like', 'Repeated failed attempts%')
      .execute();
    return rows.length;
  }

  /** Time passing for a throttle, without waiting: the last failure moves into the past. */
  async function movePauseBack(key: string, ms: number) {
    await moveThrottlesBack(idp, ms, key);
  }

  describe('bad input on every form: a clear message, a 4xx, nothing stored', () => {
    async function atSetUp() {
      const person = await registerPerson(idp);
      const walk = await new Walk(strongSite).start(STRONG);
      await walk.signIn(person);
      expect(walk.at).toBe('/security-key/set-up');
      return { person, walk };
    }

    test.each([
      [
        'every field empty',
        Object.fromEntries(Object.keys(setUpForm()).map((name) => [name, ''])),
        'Security key is required',
      ],
      ['a 10 kB key', { key: TEN_KB, key2: TEN_KB }, 'too long'],
      ['a 10 kB answer', { answer2: TEN_KB }, 'too long'],
      ['a short key', { key: 'short', key2: 'short' }, 'at least 8 characters'],
      ['keys that differ', { key2: 'harbour-lantern-43' }, 'The security keys do not match.'],
      ['the same question twice', { question3: QUESTIONS[0]! }, 'Choose three different questions.'],
      ['a question not on the list', { question1: 'Who am I?' }, 'Choose a question from the list.'],
      ['a short answer', { answer1: 'ab' }, 'Answer 1 is too short'],
      ['invalid text', { answer1: '\u0000abc' }, 'not valid text'],
    ])('set-up: %s', async (_name, change, message) => {
      const { person, walk } = await atSetUp();
      const before = await storedState(person);
      await walk.post('/security-key/set-up', setUpForm(change));
      expect(walk.status).toBe(400);
      expect(walk.html).toContain('role="alert"');
      expect(walk.html).toContain(message);
      expect(walk.at).toBe('/security-key/set-up');
      expect(await storedState(person)).toEqual(before);
    });

    test('set-up: the key may not be the password', async () => {
      const { person, walk } = await atSetUp();
      const before = await storedState(person);
      await walk.post('/security-key/set-up', setUpForm({ key: person.password, key2: person.password }));
      expect(walk.status).toBe(400);
      expect(walk.html).toContain('must be different from your password');
      expect(walk.html).not.toContain(person.password);
      expect(await storedState(person)).toEqual(before);
    });

    test('set-up: a field sent twice', async () => {
      const { person, walk } = await atSetUp();
      const before = await storedState(person);
      const response = await walk.browser.request(`${walk.interactionPath}/security-key/set-up`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `${new URLSearchParams(setUpForm()).toString()}&key=${KEY}`,
      });
      expect(response.status).toBe(400);
      expect(await storedState(person)).toEqual(before);
    });

    test.each([
      ['empty answers', answersForm(['', '', '']), 'Answer 1 is required'],
      ['a 10 kB answer', answersForm([TEN_KB, 'b', 'c']), 'too long'],
    ])('confirmation: %s', async (_name, form, message) => {
      const { person, walk } = await atSetUp();
      await walk.post('/security-key/set-up', setUpForm());
      const before = await storedState(person);
      await walk.post('/security-key/confirm', form);
      expect(walk.status).toBe(400);
      expect(walk.html).toContain('role="alert"');
      expect(walk.html).toContain(message);
      expect(await storedState(person)).toEqual(before);
      expect(before.key.security_key_hash).toBeNull();
    });

    test.each([
      ['an empty key', { key: '' }, 'Security key is required'],
      ['a 10 kB key', { key: TEN_KB }, 'too long'],
    ])('key page: %s', async (_name, form, message) => {
      const { person } = await personWithKey();
      const walk = await atKeyPage(person);
      const failuresBefore = await count('activity');
      await walk.post('/security-key', form);
      expect(walk.status).toBe(400);
      expect(walk.html).toContain(message);
      expect(walk.html).toContain('role="alert"');
      expect(await count('activity')).toBe(failuresBefore);
    });

    test.each([
      ['empty answers', answersForm(['', '', '']), 400, 'Answer 1 is required'],
      ['a 10 kB answer', answersForm(['a', TEN_KB, 'c']), 400, 'too long'],
    ])('reset answers: %s', async (_name, form, status, message) => {
      const { person } = await personWithKey();
      const walk = await atKeyPage(person);
      await walk.post('/security-key/reset', form);
      expect(walk.status).toBe(status);
      expect(walk.html).toContain(message);
    });

    test('new key after a reset: mismatched, short, 10 kB, the password', async () => {
      const { person } = await personWithKey();
      const walk = await atKeyPage(person);
      await walk.post('/security-key/reset', answersForm(ANSWERS));
      expect(walk.at).toBe('/security-key/reset/new-key');
      const before = await storedState(person);
      for (const [form, message] of [
        [{ key: '', key2: '' }, 'Security key is required'],
        [{ key: 'copper-kettle-77', key2: 'copper-kettle-78' }, 'do not match'],
        [{ key: 'short', key2: 'short' }, 'at least 8 characters'],
        [{ key: TEN_KB, key2: TEN_KB }, 'too long'],
        [{ key: person.password, key2: person.password }, 'different from your password'],
      ] as const) {
        await walk.post('/security-key/reset/new-key', form);
        expect(walk.status).toBe(400);
        expect(walk.html).toContain('role="alert"');
        expect(walk.html).toContain(message);
      }
      const after = await storedState(person);
      expect(after.key).toEqual(before.key);
      expect(after.mails).toBe(before.mails);
    });

    test('a key form for an interaction this browser is not in', async () => {
      const response = await fetch(`${idp.issuer}/interaction/made-up/security-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `key=${KEY}`,
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('expired');
    });

    test('the key pages of an interaction that is not at the key step', async () => {
      const walk = await new Walk(strongSite).start(STRONG);
      expect(walk.at).toBe('');
      await walk.post('/security-key', { key: KEY });
      expect(walk.status).toBe(400);
      await walk.get('/security-key/set-up');
      expect(walk.status).toBe(400);
    });
  });

  describe('account services: /account/security-key', () => {
    test('without a session the page sends the browser to /account', async () => {
      const response = await new HttpSession().request(`${idp.issuer}/account/security-key`);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/account');
    });

    test('the owner changes the key and questions; the next strong sign-in wants the new key', async () => {
      const { person, browser } = await personWithKey();
      const page = await browser.request(`${idp.issuer}/account/security-key`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Change your security key');
      expect(html).toContain('>Answer 3</label>');

      const newKey = 'silver-meadow-31';
      const newQuestions = SECURITY_KEY_QUESTIONS.slice(3, 6);
      const newAnswers = ['Oak Street', 'Blue', 'Napoleon'];
      const chosen = await browser.follow(`${idp.issuer}/account/security-key`, {
        form: setUpForm({
          key: newKey,
          key2: newKey,
          question1: newQuestions[0]!,
          question2: newQuestions[1]!,
          question3: newQuestions[2]!,
          ...answersForm(newAnswers),
        }),
      });
      expect(chosen.url.pathname).toBe('/account/security-key/confirm');
      expect((await storedKey(person)).security_questions).toBe(JSON.stringify(QUESTIONS));

      const wrong = await browser.request(`${idp.issuer}/account/security-key/confirm`, {
        form: answersForm(ANSWERS),
      });
      expect(wrong.status).toBe(401);
      expect((await storedKey(person)).security_questions).toBe(JSON.stringify(QUESTIONS));

      const saved = await browser.request(`${idp.issuer}/account/security-key/confirm`, {
        form: answersForm(newAnswers),
      });
      expect(saved.status).toBe(200);
      expect(await saved.text()).toContain('Your security key is saved');
      expect((await storedKey(person)).security_questions).toBe(JSON.stringify(newQuestions));
      await idp.mailbox.waitFor(person.email, { subject: /security key was changed/ });

      const walk = await atKeyPage(person);
      await walk.post('/security-key', { key: KEY });
      expect(walk.status).toBe(401);
      await walk.post('/security-key', { key: newKey });
      expect((await walk.tokens()).claims()!.acr).toBe(ACR_STRONG);
    });

    test('bad input on the account page stores nothing', async () => {
      const { person, browser } = await personWithKey();
      const before = await storedState(person);
      for (const [change, message] of [
        [{ key: '', key2: '' }, 'Security key is required'],
        [{ key2: 'something-else-1' }, 'do not match'],
        [{ question2: QUESTIONS[0]! }, 'Choose three different questions.'],
        [{ key: person.password, key2: person.password }, 'different from your password'],
        [{ answer1: TEN_KB }, 'too long'],
      ] as const) {
        const response = await browser.request(`${idp.issuer}/account/security-key`, {
          form: setUpForm(change),
        });
        expect(response.status).toBe(400);
        const html = await response.text();
        expect(html).toContain('role="alert"');
        expect(html).toContain(message);
      }
      expect(await storedState(person)).toEqual(before);
    });

    test('a sign-in older than 10 minutes is sent to prove the key again first', async () => {
      const { person, browser } = await personWithKey();
      const { id } = await storedKey(person);
      await ageSignIns(idp, id, 11 * 60);
      const response = await browser.request(`${idp.issuer}/account/security-key`);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/account/confirm?return=/account/security-key');
      const confirm = await browser.request(`${idp.issuer}/account/confirm?return=/account/security-key`);
      expect(new URL(confirm.headers.get('location')!).searchParams.get('acr_values')).toBe(ACR_STRONG);
      const posted = await browser.request(`${idp.issuer}/account/security-key`, { form: setUpForm() });
      expect(posted.status).toBe(303);
      expect(await pendingStepCount(id)).toBe(0);
    });
  });
});
