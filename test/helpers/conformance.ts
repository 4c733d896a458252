import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { vi } from 'vitest';
import type { TestPerson } from './accounts.ts';
import { type HttpSession, inputValue } from './http-session.ts';
import { authorizationRequest, oidc, REDIRECT_URI } from './oidc-client.ts';

/** What a conformance module sees of one authorization: the pages shown, and the redirect back. */
export type Authorization = {
  request: { url: URL; verifier: string; state: string; nonce: string | undefined };
  /** The redirect back to the site, with its code or its error. */
  callback: URL;
  /** The IdP pages the person was shown on the way, in order: 'login', 'consent'. */
  pages: Array<'login' | 'consent'>;
  /** The sign-in page's HTML when one was shown (to read its language or its prefilled address). */
  signInPage?: string;
};

const atCallback = (redirectUri: string) => (location: URL) => location.href.startsWith(redirectUri);

/**
 * Runs an authorization request the way the conformance suite's browser does:
 * follows redirects, signs in when the IdP shows its sign-in page (and `person`
 * is given), allows on the consent page, and stops at the redirect back to
 * the site, whatever it carries.
 */
export async function authorize(
  config: oidc.Configuration,
  session: HttpSession,
  person: TestPerson | undefined,
  params: Record<string, string> = {},
): Promise<Authorization> {
  const request: { url: URL; verifier: string; state: string; nonce: string | undefined } =
    await authorizationRequest(config, params);
  // An empty value leaves the parameter out of the request, as a module that omits one does.
  for (const [name, value] of Object.entries(params)) {
    if (value === '') request.url.searchParams.delete(name);
  }
  if (params.nonce === '') request.nonce = undefined;
  const stop = atCallback(params.redirect_uri ?? REDIRECT_URI);
  const pages: Authorization['pages'] = [];
  let signInPage: string | undefined;
  let step = await session.follow(request.url, {}, stop);
  for (let shown = 0; shown < 4 && !stop(step.url); shown++) {
    const html = await step.response.text();
    const base = `${step.url.origin}${step.url.pathname}`;
    if (html.includes('/login"') && person) {
      pages.push('login');
      signInPage = html;
      step = await session.follow(
        `${base}/login`,
        { form: { email: person.email, password: person.password } },
        stop,
      );
    } else if (html.includes('/confirm"')) {
      pages.push('consent');
      step = await session.follow(`${base}/confirm`, { method: 'POST' }, stop);
    } else {
      throw new Error(`authorization stopped at ${step.url.href} (${step.response.status})`);
    }
  }
  if (!stop(step.url)) throw new Error(`authorization did not come back: ${step.url.href}`);
  return { request, callback: step.url, pages, signInPage };
}

/** The page the IdP shows instead of redirecting, when it stops a request. */
export async function authorizeWithoutRedirect(session: HttpSession, url: URL | string) {
  const response = await session.request(url);
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** Redeems the code of an authorization as the site would, checking state, nonce and PKCE. */
export function redeem(config: oidc.Configuration, authorization: Authorization) {
  return oidc.authorizationCodeGrant(config, authorization.callback, {
    pkceCodeVerifier: authorization.request.verifier,
    expectedState: authorization.request.state,
    expectedNonce: authorization.request.nonce,
  });
}

export type TokenAnswer = {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  body: Record<string, unknown> & {
    error?: string;
    error_description?: string;
    access_token?: string;
    refresh_token?: string;
    id_token?: string;
  };
};

/** A raw token endpoint request with client_secret_basic, so refusals can be inspected as sent. */
export async function tokenRequest(
  issuer: string,
  client: { id: string; secret: string },
  params: Record<string, string>,
): Promise<TokenAnswer> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(
        `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`,
      ).toString('base64')}`,
    },
    body: new URLSearchParams(params).toString(),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    body: (await response.json()) as TokenAnswer['body'],
  };
}

/** The code of an authorization, redeemed by hand (for reuse and race tests). */
export function redeemCode(
  issuer: string,
  client: { id: string; secret: string },
  authorization: Authorization,
): Promise<TokenAnswer> {
  const code = authorization.callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${authorization.callback.href}`);
  return tokenRequest(issuer, client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: authorization.request.verifier,
  });
}

/** Verifies a JWT the IdP signed against its published JWKS, as a relying party would. */
export async function verifyWithJwks(issuer: string, jwt: string, audience: string) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  return jwtVerify<JWTPayload & Record<string, unknown>>(jwt, jwks, { issuer, audience });
}

/**
 * RP-initiated logout through the IdP's question page: opens the end-session
 * URL, and when the page asks, answers "sign out" (or "stay" with `stay`).
 */
export async function endSession(
  session: HttpSession,
  issuer: string,
  params: Record<string, string>,
  options: { stay?: boolean } = {},
) {
  const url = new URL(`${issuer}/session/end`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const page = await session.request(url);
  const html = await page.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  const xsrf = inputValue(html, 'xsrf');
  if (page.status !== 200 || !action || !xsrf) {
    const location = page.headers.get('location');
    return {
      asked: false as const,
      status: page.status,
      html,
      location: location ? new URL(location, issuer) : null,
    };
  }
  const done = await session.request(new URL(action.replace(/&amp;/g, '&'), issuer), {
    form: { xsrf, ...(options.stay ? {} : { logout: 'yes' }) },
  });
  const location = done.headers.get('location');
  return {
    asked: true as const,
    question: html,
    status: done.status,
    location: location ? new URL(location, issuer) : null,
    html: location ? '' : await done.text(),
  };
}

/**
 * The clock of this process, which the IdP under test runs in: modules that
 * wait (max_age=1, a code reused after 30 seconds) move it forward instead of
 * sleeping. It only ever moves forward and keeps ticking, so what was issued
 * before stays in the past; `restore` goes back to the real clock once the
 * file's IdP is closed.
 */
export const clock = {
  advance(seconds: number) {
    if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + seconds * 1000);
  },
  restore() {
    vi.useRealTimers();
  },
};

export { oidc };
