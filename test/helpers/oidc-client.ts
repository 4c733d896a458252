import * as oidc from 'openid-client';
import type { TestPerson } from './accounts.ts';
import type { HttpSession } from './http-session.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export async function discover(issuer: string, clientId: string, clientSecret?: string) {
  return oidc.discovery(new URL(issuer), clientId, clientSecret, clientSecret ? undefined : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** Starts an authorization request as a relying party would: PKCE, state and nonce. */
export async function authorizationRequest(config: oidc.Configuration, params: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/**
 * Runs the whole code flow through the real IdP pages over HTTP: the sign-in
 * form, consent when asked, then the token exchange.
 */
export async function signIn(
  config: oidc.Configuration,
  session: HttpSession,
  person: TestPerson | undefined,
  options: { params?: Record<string, string>; remember?: boolean; consent?: boolean } = {},
) {
  const request = await authorizationRequest(config, options.params);
  const atCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);
  let step = await session.follow(request.url, {}, atCallback);
  if (!atCallback(step.url) && step.url.pathname.startsWith('/interaction/') && person) {
    step = await session.follow(
      `${step.url.origin}${step.url.pathname}/login`,
      {
        form: {
          email: person.email,
          password: person.password,
          ...(options.remember ? { remember: 'yes' } : {}),
        },
      },
      atCallback,
    );
  }
  if (!atCallback(step.url) && step.url.pathname.startsWith('/interaction/') && options.consent !== false) {
    const page = await step.response.text();
    if (page.includes('/confirm')) {
      step = await session.follow(
        `${step.url.origin}${step.url.pathname}/confirm`,
        { method: 'POST' },
        atCallback,
      );
    }
  }
  if (!atCallback(step.url)) {
    throw new Error(`flow stopped at ${step.url.href} (${step.response.status})`);
  }
  const tokens = await oidc.authorizationCodeGrant(config, step.url, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  return tokens;
}

export { oidc };
