import fc from 'fast-check';
import { recipientWords } from '../../idp/locales/catalogues.ts';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { LANGUAGES } from '../../shared/i18n/languages.ts';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { solveBotCheck } from '../helpers/botcheck.ts';
import { linkPassport, signedInMember } from '../helpers/extranet-admin.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { HttpSession, inputValue } from '../helpers/http-session.ts';
import type { Store } from '../helpers/idp.ts';
import { authorizationRequest, discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { moveThrottlesBack } from '../helpers/stored-state.ts';
import type { FuzzService, FuzzTarget, Prepared } from './harness.ts';

/**
 * What the fuzzer sends requests to: a real IdP and a real extranet, with one
 * more client (a confidential site that asks for consent) for the OIDC endpoints.
 * A new site is a `FuzzService` and a few `form(...)` lines below.
 */
const SITE = {
  client_id: 'fuzz-site',
  client_secret: 'fuzz-site-secret-0123456789-0123456789',
  client_name: 'Fuzz Site',
  redirect_uris: [REDIRECT_URI],
  post_logout_redirect_uris: ['http://127.0.0.1:9/signed-out'],
  grant_types: ['authorization_code', 'refresh_token'],
};
const INITIAL_ACCESS_TOKEN = 'fuzz-initial-access-token-0123456789';
const BASIC = `Basic ${btoa(`${SITE.client_id}:${SITE.client_secret}`)}`;
const DAY_MS = 24 * 60 * 60 * 1000;

// Rows oidc-provider rewrites on every page view; a refused request must still add no code, token, grant or client.
const OIDC_CHURN = {
  column: 'kind',
  values: ['Session', 'Interaction'],
  why: "oidc-provider's session and interaction rows are rewritten by every page view",
};
const THROTTLE_REASON = 'the guard counts refusals: that is how it throttles';

/** OIDC values an endpoint's parser has to take apart. */
const OIDC_VALUES = fc.constantFrom(
  'none',
  'login',
  'consent',
  'select_account',
  'login consent',
  'openid',
  'openid email profile address offline_access',
  'code',
  'code id_token',
  'token',
  'S256',
  'plain',
  'query',
  'form_post',
  'fragment',
  ACR_STRONG,
  'urn:passport:acr:password',
  '{"id_token":{"acr":{"essential":true,"values":["urn:passport:acr:strong"]}}}',
  '{"userinfo":{"email":null},"id_token":{"acr":{"essential":true}}}',
  '{"id_token":{"acr":{"value":7}}}',
  '{"id_token":null}',
  'pt-BR',
  'en pt-BR xx',
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
  'access_token',
  'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.',
  'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln',
  'urn:ietf:params:oauth:request_uri:x',
  REDIRECT_URI,
  'fuzz-site',
  'customersource',
  '0',
  '1',
  '-1',
  '3.5',
  '99999999999',
);

/** Logout tokens shaped like JWTs, with claims a verifier must look at one by one. */
const LOGOUT_TOKENS = fc
  .record({
    header: fc.oneof(fc.constant({ alg: 'RS256', kid: 'x' }), fc.constant({ alg: 'none' }), fc.jsonValue()),
    claims: fc.oneof(
      fc.record(
        {
          iss: fc.oneof(fc.string(), fc.jsonValue()),
          aud: fc.oneof(fc.constant('customersource'), fc.jsonValue()),
          sub: fc.oneof(fc.string(), fc.jsonValue()),
          sid: fc.oneof(fc.string(), fc.jsonValue()),
          events: fc.oneof(
            fc.constant({ 'http://schemas.openid.net/event/backchannel-logout': {} }),
            fc.jsonValue(),
          ),
          iat: fc.oneof(fc.integer(), fc.jsonValue()),
          jti: fc.string(),
          nonce: fc.string(),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
    signature: fc.string({ unit: 'binary', maxLength: 50 }),
  })
  .map(({ header, claims, signature }) =>
    [JSON.stringify(header), JSON.stringify(claims), signature]
      .map((part) => Buffer.from(part).toString('base64url'))
      .join('.'),
  );

export type FuzzServices = Awaited<ReturnType<typeof startFuzzServices>>;

/** Both services on SQLite, or both on PostgreSQL (`store`), whose text columns refuse what SQLite keeps (NUL). */
export async function startFuzzServices(options: { store?: Store } = {}) {
  const services = await startIdpAndExtranet({
    idpEnv: { IDP_INITIAL_ACCESS_TOKEN: INITIAL_ACCESS_TOKEN },
    idpClients: [SITE],
    store: options.store,
    idpStore: options.store,
  });
  const { idp, extranet } = services;
  const passport: FuzzService = {
    name: 'passport',
    url: idp.issuer,
    db: idp.db,
    refusalRecords: {
      throttle_counters: THROTTLE_REASON,
      activity: "a wrong secret is shown on the owner's recent activity",
      botcheck_spent: 'a bot-check proof is spent when it is shown, so it cannot be replayed',
      signing_keys: 'keys rotate on their own schedule',
    },
    countOnly: {
      outbox: 'the mail worker marks rows delivered at any moment',
      backchannel_logouts: 'the logout worker marks tries at any moment',
    },
    churn: {
      oidc_models: OIDC_CHURN,
      outbox: {
        column: 'subject',
        values: LANGUAGES.map((language) => recipientWords(language)('mail.lockout.subject')),
        why: 'the guard tells the owner when wrong secrets lock browsers out: a refusal that mails by design',
      },
    },
  };
  const customerSource: FuzzService = {
    name: 'customersource',
    url: extranet.url,
    db: extranet.db,
    refusalRecords: {
      throttle_counters: THROTTLE_REASON,
      botcheck_spent: 'a bot-check proof is spent when it is shown, so it cannot be replayed',
    },
    countOnly: { outbox: 'the mail worker marks rows delivered at any moment' },
    queues: { association_requests: 'the association worker takes requests after the answer has left' },
  };
  return { ...services, passport, customerSource };
}

/** A target for a form a page shows: the page gives the URL and cookies, the form its fields. */
function form(
  service: FuzzService,
  name: string,
  fields: readonly string[],
  prepare: () => Promise<Prepared>,
  extra: Partial<FuzzTarget> = {},
): FuzzTarget {
  return {
    name: `${service.name} ${name}`,
    service,
    method: 'POST',
    carrier: 'form',
    fields,
    prepare,
    ...extra,
  };
}

/** Something costly to make (an account, a signed-in browser), made again once `alive` says it is spent. */
function kept<T>(make: () => Promise<T>, alive: (value: T) => Promise<boolean>) {
  let current: Promise<T> | undefined;
  return async () => {
    if (current && (await alive(await current).catch(() => false))) return current;
    current = make();
    return current;
  };
}

async function answersPage(browser: HttpSession, url: string) {
  const response = await browser.request(url);
  await response.arrayBuffer();
  return response.status === 200;
}

export function fuzzTargets(services: FuzzServices): FuzzTarget[] {
  const { idp, extranet, passport, customerSource } = services;
  const issuer = idp.issuer;
  const siteConfiguration = discover(issuer, SITE.client_id, SITE.client_secret);
  const site = () => siteConfiguration;
  // Fuzzed sign-ins trip the guard; the accounts the targets need still get in.
  const forgiveThrottles = () => moveThrottlesBack(idp, 2 * DAY_MS);

  /** A new sign-in page for the fuzz site, as a browser lands on it. */
  async function interaction(params: Record<string, string> = {}) {
    const browser = new HttpSession();
    const { url } = await authorizationRequest(await site(), params);
    const landed = await browser.follow(url);
    await landed.response.arrayBuffer();
    return { browser, base: `${landed.url.origin}${landed.url.pathname}`, url: landed.url };
  }

  async function signInAt(browser: HttpSession, base: string, person: TestPerson) {
    await forgiveThrottles();
    return browser.follow(
      `${base}/login`,
      { form: { email: person.email, password: person.password } },
      (location) => location.href.startsWith(REDIRECT_URI),
    );
  }

  const person = kept(
    () => registerPerson(idp),
    async () => true,
  );

  // A browser signed in to Passport's account pages; a new one when a fuzzed change ended its session.
  const accountBrowser = kept(
    async () => {
      const someone = await registerPerson(idp);
      await forgiveThrottles();
      const browser = new HttpSession();
      const first = await browser.follow(`${issuer}/account`);
      await first.response.arrayBuffer();
      await browser.follow(`${first.url.origin}${first.url.pathname}/login`, {
        form: { email: someone.email, password: someone.password },
      });
      return { browser, person: someone };
    },
    ({ browser }) => answersPage(browser, `${issuer}/account`),
  );
  const accountForm = (
    path: string,
    fields: readonly string[],
    values: (p: TestPerson) => Record<string, string>,
  ) =>
    form(passport, `POST ${path}`, fields, async () => {
      const { browser, person: owner } = await accountBrowser();
      return { url: `${issuer}${path}`, browser, values: values(owner) };
    });

  // A person whose sign-in stopped at the security key set-up, and one who has a key.
  const strongStep = async (someone: TestPerson) => {
    const { browser, base } = await interaction({ acr_values: ACR_STRONG });
    const step = await signInAt(browser, base, someone);
    await step.response.arrayBuffer();
    // Signing in resumes the request under a new interaction: the key steps live under that one.
    const uid = /^\/interaction\/[^/]+/.exec(step.url.pathname)?.[0] ?? '/interaction/none';
    return { browser, base: `${issuer}${uid}/security-key` };
  };
  const keyless = kept(
    () => registerPerson(idp),
    async () => true,
  );
  const KEY = 'Fuzz-security-key-42';
  const SET_UP = {
    key: KEY,
    key2: KEY,
    question1: 'first_pet',
    question2: 'birth_city',
    question3: 'favourite_teacher',
    answer1: 'Rex',
    answer2: 'Lisbon',
    answer3: 'Smith',
  };
  const withKey = kept(
    async () => {
      const someone = await registerPerson(idp);
      const { browser, base } = await strongStep(someone);
      await browser.follow(`${base}/set-up`, { form: SET_UP });
      await browser.follow(`${base}/confirm`, {
        form: { answer1: SET_UP.answer1, answer2: SET_UP.answer2, answer3: SET_UP.answer3 },
      });
      return someone;
    },
    async () => true,
  );

  // Tokens a real sign-in gave the fuzz site; each target spends or revokes its own.
  const tokens = () =>
    kept(
      async () => {
        const config = await site();
        await forgiveThrottles();
        const set = await signIn(config, new HttpSession(), await person(), {
          params: { scope: 'openid email profile offline_access', prompt: 'consent' },
        });
        return set;
      },
      async () => true,
    );
  const userinfoTokens = tokens();
  const introspectionTokens = tokens();
  const revocationTokens = tokens();
  const refreshTokens = tokens();
  const codeFor = kept(
    async () => {
      const config = await site();
      const request = await authorizationRequest(config);
      const browser = new HttpSession();
      const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);
      const first = await browser.follow(request.url, {}, atCallback);
      await first.response.arrayBuffer();
      const someone = await person();
      await forgiveThrottles();
      let step = await browser.follow(
        `${first.url.origin}${first.url.pathname}/login`,
        { form: { email: someone.email, password: someone.password } },
        atCallback,
      );
      if (!atCallback(step.url)) {
        await step.response.arrayBuffer();
        step = await browser.follow(
          `${step.url.origin}${step.url.pathname}/confirm`,
          { method: 'POST' },
          atCallback,
        );
      }
      return { code: step.url.searchParams.get('code') ?? 'no-code', verifier: request.verifier };
    },
    async () => false,
  );

  const AUTHORIZATION_FIELDS = [
    'client_id',
    'redirect_uri',
    'response_type',
    'scope',
    'state',
    'nonce',
    'code_challenge',
    'code_challenge_method',
    'prompt',
    'max_age',
    'login_hint',
    'ui_locales',
    'claims',
    'acr_values',
    'id_token_hint',
    'request',
    'request_uri',
    'response_mode',
    'resource',
    'registration',
  ];
  const authorizationValues = async (): Promise<Prepared> => {
    const { url } = await authorizationRequest(await site());
    return {
      url: `${issuer}/auth`,
      browser: new HttpSession(),
      values: Object.fromEntries(url.searchParams),
    };
  };
  const endSessionValues = async (): Promise<Prepared> => {
    const set = await userinfoTokens();
    return {
      url: `${issuer}/session/end`,
      browser: new HttpSession(),
      values: {
        id_token_hint: set.id_token ?? '',
        post_logout_redirect_uri: SITE.post_logout_redirect_uris[0]!,
        state: 'fuzz-state',
        client_id: SITE.client_id,
        ui_locales: 'pt-BR',
      },
    };
  };
  const CLIENT_METADATA = {
    redirect_uris: '["https://rp.example/callback"]',
    client_name: 'Registered Fuzz Site',
    token_endpoint_auth_method: 'client_secret_basic',
  };

  // Extranet members: linked to a profile of an organization with a plan, an administrator, support staff.
  const organization = kept(
    async () => {
      const id = await addOrganization(extranet.db, { name: `Fuzz Org ${Date.now()}` });
      const staff = await addOrganization(extranet.db, { name: `Fuzz Support ${Date.now()}`, kind: 'staff' });
      return { id, staff };
    },
    async () => true,
  );
  const member = (role: 'none' | 'member' | 'admin' | 'support') =>
    kept(
      async () => {
        const org = await organization();
        await forgiveThrottles();
        const tag = Math.random().toString(36).slice(2, 10);
        const profileId =
          role === 'none'
            ? undefined
            : await addProfile(extranet.db, {
                organizationId: role === 'support' ? org.staff : org.id,
                name: `Fuzz ${role} ${tag}`,
                email: `fuzz.${role}.${tag}@example.test`,
                isAdmin: role === 'admin',
                isSupport: role === 'support',
              });
        const signedIn = await signedInMember({ idp, extranet }, undefined);
        if (profileId) await linkPassport(extranet.db, signedIn.identity, profileId);
        return { ...signedIn, profileId, org };
      },
      ({ browser }) => answersPage(browser, `${extranet.url}/associate`),
    );
  const visitor = member('none');
  const plainMember = member('member');
  const admin = member('admin');
  const support = member('support');
  const aProfile = async () =>
    addProfile(extranet.db, {
      organizationId: (await organization()).id,
      name: 'Fuzz Colleague',
      email: `fuzz.colleague.${Math.random().toString(36).slice(2, 10)}@example.test`,
    });
  const memberForm = (
    who: ReturnType<typeof member>,
    path: string,
    fields: readonly string[],
    values: (
      m: Awaited<ReturnType<ReturnType<typeof member>>>,
    ) => Promise<Record<string, string>> | Record<string, string>,
  ) =>
    form(customerSource, `POST ${path}`, fields, async () => {
      const m = await who();
      return { url: `${extranet.url}${path}`, browser: m.browser, values: await values(m) };
    });

  return [
    // Passport: signing in, signing up, activating, choosing an account, consenting.
    form(passport, 'POST /interaction/:uid/login', ['email', 'password', 'remember', 'altcha'], async () => {
      const { browser, base } = await interaction();
      return {
        url: `${base}/login`,
        browser,
        values: { email: 'someone@example.test', password: 'Not-the-password-1' },
      };
    }),
    form(passport, 'POST /interaction/:uid/continue', ['account'], async () => {
      const { browser, base } = await interaction({ prompt: 'select_account' });
      return { url: `${base}/continue`, browser, values: { account: 'x' } };
    }),
    form(passport, 'POST /interaction/:uid/forget', ['account'], async () => {
      const { browser, base } = await interaction();
      return { url: `${base}/forget`, browser, values: { account: 'x' } };
    }),
    form(passport, 'POST /interaction/:uid/confirm and /abort', ['path:action'], async () => {
      const { browser, base } = await interaction({ prompt: 'consent' });
      const someone = await person();
      const step = await signInAt(browser, base, someone);
      await step.response.arrayBuffer();
      return {
        url: `${step.url.origin}${step.url.pathname}/{action}`,
        browser,
        values: { 'path:action': 'confirm' },
      };
    }),
    ...['/signup', '/interaction/:uid/signup'].map((path) =>
      form(
        passport,
        `POST ${path}`,
        [
          'email',
          'password',
          'password2',
          'question',
          'own_question',
          'answer',
          'first_name',
          'last_name',
          'country',
          'postal_code',
          'altcha',
          'noscript',
          'submission',
        ],
        async () => {
          const start =
            path === '/signup' ? { browser: new HttpSession(), base: issuer } : await interaction();
          const fresh = newPerson();
          return {
            url: `${start.base}/signup`,
            browser: start.browser,
            values: {
              email: fresh.email,
              password: fresh.password,
              password2: fresh.password,
              question: 'Name of first pet',
              answer: 'Lisbon',
              first_name: 'Ada',
              last_name: 'Lovelace',
              country: 'GB',
              postal_code: 'SW1A 1AA',
              altcha: await solveBotCheck(issuer),
            },
          };
        },
      ),
    ),
    form(passport, 'POST /activate/:token', ['path:token', 'password'], async () => ({
      url: `${issuer}/activate/{token}`,
      values: { 'path:token': 'A'.repeat(43), password: 'Not-the-password-1' },
    })),

    // Passport: the security key inside a sign-in.
    form(passport, 'POST /interaction/:uid/security-key/set-up', Object.keys(SET_UP), async () => {
      const { browser, base } = await strongStep(await keyless());
      return {
        url: `${base}/set-up`,
        browser,
        values: { ...SET_UP, key: 'Other-key-4242', key2: 'Other-key-4242' },
      };
    }),
    form(
      passport,
      'POST /interaction/:uid/security-key/confirm',
      ['answer1', 'answer2', 'answer3'],
      async () => {
        const { browser, base } = await strongStep(await keyless());
        // The answers are asked after the key and questions were chosen.
        await (await browser.request(`${base}/set-up`, { form: SET_UP })).arrayBuffer();
        return {
          url: `${base}/confirm`,
          browser,
          values: { answer1: 'Rex', answer2: 'Lisbon', answer3: 'Smith' },
        };
      },
    ),
    form(passport, 'POST /interaction/:uid/security-key', ['key', 'altcha'], async () => {
      const { browser, base } = await strongStep(await withKey());
      return { url: base, browser, values: { key: 'Not-the-key-4242' } };
    }),
    form(
      passport,
      'POST /interaction/:uid/security-key/reset',
      ['answer1', 'answer2', 'answer3', 'altcha'],
      async () => {
        const { browser, base } = await strongStep(await withKey());
        return { url: `${base}/reset`, browser, values: { answer1: 'a', answer2: 'b', answer3: 'c' } };
      },
    ),
    form(passport, 'POST /interaction/:uid/security-key/reset/new-key', ['key', 'key2'], async () => {
      const { browser, base } = await strongStep(await withKey());
      return {
        url: `${base}/reset/new-key`,
        browser,
        values: { key: 'New-key-424242', key2: 'New-key-424242' },
      };
    }),

    // Passport: recovery, from the front door and from a sign-in.
    ...['/password/reset', '/interaction/:uid/forgot-password'].flatMap((path) => {
      const start = async () => {
        if (path === '/password/reset') return { browser: new HttpSession(), base: `${issuer}${path}` };
        const { browser, base } = await interaction();
        return { browser, base: `${base}/forgot-password` };
      };
      const step = (name: string, fields: readonly string[], values: () => Promise<Record<string, string>>) =>
        form(passport, `POST ${path}/${name.replace('{token}', ':token')}`, fields, async () => {
          const { browser, base } = await start();
          return { url: `${base}/${name}`, browser, values: await values() };
        });
      const newPassword = { password: 'A-new-password-42', password2: 'A-new-password-42' };
      return [
        step('email', ['email'], async () => ({ email: newPerson().email })),
        step('answer', ['email'], async () => ({ email: newPerson().email })),
        step('answer/check', ['email', 'answer', 'password', 'password2', 'altcha'], async () => ({
          email: (await person()).email,
          answer: 'Not the answer',
          ...newPassword,
        })),
        step('link/{token}', ['path:token', 'password', 'password2'], async () => ({
          'path:token': 'A'.repeat(43),
          ...newPassword,
        })),
      ];
    }),
    form(passport, 'POST /password/not-me/:token', ['path:token', 'password', 'password2'], async () => ({
      url: `${issuer}/password/not-me/{token}`,
      browser: new HttpSession(),
      values: { 'path:token': 'A'.repeat(43), password: 'A-new-password-42', password2: 'A-new-password-42' },
    })),

    // Passport: account services, signed in.
    accountForm('/account/confirm', ['password', 'altcha', 'return'], (owner) => ({
      password: owner.password,
    })),
    accountForm('/account/email', ['email'], () => ({ email: newPerson().email })),
    form(passport, 'POST /account/email/confirm/:token', ['path:token'], async () => {
      const { browser } = await accountBrowser();
      return {
        url: `${issuer}/account/email/confirm/{token}`,
        browser,
        values: { 'path:token': 'A'.repeat(43) },
      };
    }),
    accountForm('/account/password', ['current_password', 'password', 'password2', 'altcha'], (owner) => ({
      current_password: owner.password,
      password: 'Another-password-42',
      password2: 'Another-password-42',
    })),
    accountForm('/account/alternate-email', ['email'], () => ({ email: newPerson().email })),
    accountForm('/account/alternate-email/remove', [], () => ({})),
    form(passport, 'POST /account/alternate-email/verify/:token', ['path:token'], async () => {
      const { browser } = await accountBrowser();
      return {
        url: `${issuer}/account/alternate-email/verify/{token}`,
        browser,
        values: { 'path:token': 'A'.repeat(43) },
      };
    }),
    accountForm('/account/address', ['street', 'city', 'region', 'postal_code', 'country'], () => ({
      street: '1 Main Street',
      city: 'London',
      region: '',
      postal_code: 'SW1A 1AA',
      country: 'GB',
    })),
    accountForm(
      '/account/personal',
      ['first_name', 'last_name', 'country', 'postal_code', 'language'],
      () => ({
        first_name: 'Ada',
        last_name: 'Lovelace',
        country: 'GB',
        postal_code: 'SW1A 1AA',
        language: 'en',
      }),
    ),
    accountForm('/account/secret-question', ['question', 'own_question', 'answer'], () => ({
      question: 'Name of first pet',
      answer: 'Porto',
    })),
    accountForm('/account/remembered-accounts/forget', ['account'], () => ({ account: 'x' })),
    accountForm('/account/sites/withdraw', ['site'], () => ({ site: SITE.client_id })),
    accountForm('/account/security-key', Object.keys(SET_UP), () => SET_UP),
    form(passport, 'POST /account/security-key/confirm', ['answer1', 'answer2', 'answer3'], async () => {
      const { browser } = await accountBrowser();
      // The answers are asked after the key and questions were chosen.
      await (await browser.request(`${issuer}/account/security-key`, { form: SET_UP })).arrayBuffer();
      const values = { answer1: 'Rex', answer2: 'Lisbon', answer3: 'Smith' };
      return { url: `${issuer}/account/security-key/confirm`, browser, values };
    }),
    accountForm('/account/sign-out-everywhere', [], () => ({})),

    // Passport's OpenID endpoints; authorization and end-session requests come by GET and by form POST.
    {
      ...form(passport, 'GET /auth', AUTHORIZATION_FIELDS, authorizationValues),
      method: 'GET',
      carrier: 'query',
      values: OIDC_VALUES,
    },
    { ...form(passport, 'POST /auth', AUTHORIZATION_FIELDS, authorizationValues), values: OIDC_VALUES },
    form(
      passport,
      'POST /token (authorization code)',
      [
        'grant_type',
        'code',
        'redirect_uri',
        'code_verifier',
        'client_id',
        'client_secret',
        'client_assertion',
        'client_assertion_type',
        'scope',
      ],
      async () => {
        const { code, verifier } = await codeFor();
        return {
          url: `${issuer}/token`,
          values: {
            grant_type: 'authorization_code',
            code,
            redirect_uri: REDIRECT_URI,
            code_verifier: verifier,
          },
          headers: { authorization: BASIC },
        };
      },
      { values: OIDC_VALUES },
    ),
    form(
      passport,
      'POST /token (refresh token)',
      ['grant_type', 'refresh_token', 'scope', 'client_id', 'client_secret'],
      async () => ({
        url: `${issuer}/token`,
        values: {
          grant_type: 'refresh_token',
          refresh_token: (await refreshTokens()).refresh_token ?? 'none',
        },
        headers: { authorization: BASIC },
      }),
      { values: OIDC_VALUES },
    ),
    {
      ...form(passport, 'GET /me', ['access_token', 'claims'], async () => ({
        url: `${issuer}/me`,
        values: {},
        headers: { authorization: `Bearer ${(await userinfoTokens()).access_token}` },
      })),
      method: 'GET',
      carrier: 'query',
      values: OIDC_VALUES,
    },
    form(
      passport,
      'POST /me',
      ['access_token', 'claims'],
      async () => ({ url: `${issuer}/me`, values: { access_token: (await userinfoTokens()).access_token } }),
      { values: OIDC_VALUES },
    ),
    ...(
      [
        ['introspection', introspectionTokens],
        ['revocation', revocationTokens],
      ] as const
    ).map(([endpoint, kept]) =>
      form(
        passport,
        `POST /token/${endpoint}`,
        ['token', 'token_type_hint', 'client_id', 'client_secret'],
        async () => ({
          url: `${issuer}/token/${endpoint}`,
          values: { token: (await kept()).access_token, token_type_hint: 'access_token' },
          headers: { authorization: BASIC },
        }),
        { values: OIDC_VALUES },
      ),
    ),
    ...(['with', 'without'] as const).map((initial) =>
      form(
        passport,
        `POST /reg (${initial} the initial access token)`,
        [
          'redirect_uris',
          'client_name',
          'token_endpoint_auth_method',
          'grant_types',
          'response_types',
          'post_logout_redirect_uris',
          'backchannel_logout_uri',
          'backchannel_logout_session_required',
          'first_party',
          'jwks',
          'jwks_uri',
          'logo_uri',
          'client_uri',
          'contacts',
          'subject_type',
          'id_token_signed_response_alg',
          'request_uris',
          'scope',
        ],
        async () => ({
          url: `${issuer}/reg`,
          values: CLIENT_METADATA,
          headers: (initial === 'with' ? { authorization: `Bearer ${INITIAL_ACCESS_TOKEN}` } : {}) as Record<
            string,
            string
          >,
        }),
        {
          carrier: 'json',
          values: fc.oneof(
            OIDC_VALUES,
            fc.constantFrom(
              'https://rp.example/cb',
              'http://localhost/cb',
              'http://10.0.0.1/logout',
              'Passport',
            ),
          ),
        },
      ),
    ),
    {
      ...form(passport, 'GET /reg/:client_id', ['path:client', 'client_id'], async () => ({
        url: `${issuer}/reg/{client}`,
        values: { 'path:client': SITE.client_id },
        headers: { authorization: 'Bearer not-a-registration-access-token' },
      })),
      method: 'GET',
      carrier: 'query',
      values: OIDC_VALUES,
    },
    {
      ...form(
        passport,
        'GET /session/end',
        [
          'id_token_hint',
          'post_logout_redirect_uri',
          'state',
          'client_id',
          'ui_locales',
          'logout_hint',
          'sign_out',
        ],
        endSessionValues,
      ),
      method: 'GET',
      carrier: 'query',
      values: OIDC_VALUES,
    },
    {
      ...form(
        passport,
        'POST /session/end',
        [
          'id_token_hint',
          'post_logout_redirect_uri',
          'state',
          'client_id',
          'ui_locales',
          'logout_hint',
          'sign_out',
        ],
        endSessionValues,
      ),
      values: OIDC_VALUES,
    },
    form(passport, 'POST /session/end/confirm', ['xsrf', 'logout'], async () => {
      const { browser } = await accountBrowser();
      const page = await browser.request(`${issuer}/session/end`);
      const xsrf = inputValue(await page.text(), 'xsrf') ?? '';
      return { url: `${issuer}/session/end/confirm`, browser, values: { xsrf } };
    }),

    // CustomerSource.
    form(
      customerSource,
      'POST /auth/backchannel-logout',
      ['logout_token'],
      async () => ({
        url: `${extranet.url}/auth/backchannel-logout`,
        values: { logout_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' },
      }),
      { values: LOGOUT_TOKENS },
    ),
    {
      ...form(
        customerSource,
        'GET /auth/callback',
        ['code', 'state', 'iss', 'error', 'error_description'],
        async () => {
          const browser = new HttpSession();
          const start = await browser.request(`${extranet.url}/auth/sign-in?return=/`);
          const location = new URL(start.headers.get('location') ?? `${issuer}/auth`);
          return {
            url: `${extranet.url}/auth/callback`,
            browser,
            values: { code: 'x', state: location.searchParams.get('state') ?? '', iss: issuer },
          };
        },
      ),
      method: 'GET',
      carrier: 'query',
    },
    memberForm(plainMember, '/auth/sign-out', ['everywhere'], () => ({ everywhere: 'no' })),
    memberForm(visitor, '/associate', ['email'], () => ({ email: newPerson().email })),
    form(customerSource, 'POST /associate/:token', ['path:token'], async () => {
      const m = await visitor();
      return {
        url: `${extranet.url}/associate/{token}`,
        browser: m.browser,
        values: { 'path:token': 'A'.repeat(43) },
      };
    }),
    {
      ...form(customerSource, 'GET /associate/:token', ['path:token'], async () => {
        const m = await visitor();
        return {
          url: `${extranet.url}/associate/{token}`,
          browser: m.browser,
          values: { 'path:token': 'A'.repeat(43) },
        };
      }),
      method: 'GET',
      carrier: 'query',
    },
    memberForm(plainMember, '/profiles/choose', ['profile'], (m) => ({ profile: m.profileId ?? '' })),
    memberForm(plainMember, '/profile/invite', [], () => ({})),
    memberForm(admin, '/account/profiles', ['name', 'email', 'is_admin', 'send_invite'], () => ({
      name: 'New Colleague',
      email: newPerson().email,
    })),
    form(
      customerSource,
      'POST /account/profiles/:id',
      ['path:id', 'name', 'email', 'is_admin', 'send_invite'],
      async () => {
        const m = await admin();
        return {
          url: `${extranet.url}/account/profiles/{id}`,
          browser: m.browser,
          values: { 'path:id': await aProfile(), name: 'Renamed Colleague', email: newPerson().email },
        };
      },
    ),
    ...(['invite', 'administrator', 'remove'] as const).map((action) =>
      form(customerSource, `POST /account/profiles/:id/${action}`, ['path:id', 'administrator'], async () => {
        const m = await admin();
        return {
          url: `${extranet.url}/account/profiles/{id}/${action}`,
          browser: m.browser,
          values: {
            'path:id': await aProfile(),
            ...(action === 'administrator' ? { administrator: 'yes' } : {}),
          },
        };
      }),
    ),
    {
      ...form(customerSource, 'GET /support', ['name'], async () => ({
        url: `${extranet.url}/support`,
        browser: (await support()).browser,
        values: { name: 'Fuzz' },
      })),
      method: 'GET',
      carrier: 'query',
    },
    ...(
      [
        ['administrator', { profile: '' }],
        ['administrators', { name: 'New Admin', email: 'new.admin@example.test' }],
        ['plan', { plan: 'support', plan_ends_at: '2030-01-31' }],
      ] as const
    ).map(([action, values]) =>
      form(
        customerSource,
        `POST /support/organizations/:id/${action}`,
        ['path:id', ...Object.keys(values)],
        async () => {
          const m = await support();
          return {
            url: `${extranet.url}/support/organizations/{id}/${action}`,
            browser: m.browser,
            values: {
              'path:id': m.org.id,
              ...values,
              ...(action === 'administrator' ? { profile: await aProfile() } : {}),
            },
          };
        },
      ),
    ),
  ];
}
