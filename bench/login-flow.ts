import { createHash, randomBytes } from 'node:crypto';
import { basicAuth, CookieJar, pathOf, type Target } from './http.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export type Endpoints = { authorization: string; token: string; userinfo: string; introspection: string };
export type Client = { id: string; secret: string };
export type Account = { email: string; password: string };
export type Tokens = { access_token: string; refresh_token?: string; id_token?: string };

/** The endpoints a provider's discovery document names, as paths on its origin. */
export async function discoverEndpoints(target: Target): Promise<Endpoints> {
  const discovery = JSON.parse((await target.ok('/.well-known/openid-configuration')).text) as Record<
    string,
    string
  >;
  return {
    authorization: pathOf(discovery.authorization_endpoint!, target.origin),
    token: pathOf(discovery.token_endpoint!, target.origin),
    userinfo: pathOf(discovery.userinfo_endpoint!, target.origin),
    introspection: pathOf(discovery.introspection_endpoint!, target.origin),
  };
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/**
 * One full password login by a browser without scripts, as a site drives it:
 * the authorization request (PKCE, state, nonce), the sign-in page, the
 * sign-in form, consent when asked, the code at the site's callback, the token
 * request and userinfo. A fresh cookie jar: a person signing in on a browser
 * that holds no session.
 */
export async function fullLogin(
  target: Target,
  endpoints: Endpoints,
  client: Client,
  account: Account,
  params: Record<string, string> = {},
): Promise<Tokens> {
  const cookies = new CookieJar();
  const verifier = base64url(randomBytes(32));
  const query = new URLSearchParams({
    client_id: client.id,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid email profile',
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    state: base64url(randomBytes(16)),
    nonce: base64url(randomBytes(16)),
    ...params,
  });
  let path = `${endpoints.authorization}?${query}`;
  let signedIn = false;
  let code: string | undefined;
  for (let hop = 0; hop < 12 && code === undefined; hop++) {
    const answer = await target.send('GET', path, { cookies });
    if (answer.status >= 300 && answer.status < 400 && answer.location) {
      if (answer.location.startsWith(REDIRECT_URI)) {
        code = new URL(answer.location).searchParams.get('code') ?? undefined;
        if (!code) throw new Error(`no code at the callback: ${answer.location.replace(/\?.*/, '?…')}`);
        break;
      }
      path = pathOf(answer.location, target.origin);
      continue;
    }
    const page = new URL(path, target.origin).pathname;
    if (answer.status !== 200 || !page.startsWith('/interaction/')) {
      throw new Error(`login stopped at ${page} (${answer.status})`);
    }
    const action = signedIn ? `${page}/confirm` : `${page}/login`;
    const form: Record<string, string> = signedIn ? {} : { email: account.email, password: account.password };
    const posted = await target.send('POST', action, { cookies, form });
    if (posted.status !== 303 && posted.status !== 302) {
      throw new Error(
        `POST ${action.replace(/\/interaction\/[^/]+/, '/interaction/:uid')} answered ${posted.status}`,
      );
    }
    signedIn = true;
    path = pathOf(posted.location!, target.origin);
  }
  if (!code) throw new Error('login did not reach the callback');
  const granted = await target.send('POST', endpoints.token, {
    headers: { authorization: basicAuth(client.id, client.secret) },
    form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
  });
  if (granted.status !== 200) throw new Error(`token endpoint answered ${granted.status}: ${granted.text}`);
  const tokens = JSON.parse(granted.text) as Tokens;
  await target.ok(endpoints.userinfo, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  return tokens;
}

export async function clientCredentialsGrant(target: Target, endpoints: Endpoints, client: Client) {
  const granted = await target.send('POST', endpoints.token, {
    headers: { authorization: basicAuth(client.id, client.secret) },
    form: { grant_type: 'client_credentials' },
  });
  if (granted.status !== 200)
    throw new Error(`client credentials answered ${granted.status}: ${granted.text}`);
  return JSON.parse(granted.text) as Tokens;
}

export async function refreshGrant(
  target: Target,
  endpoints: Endpoints,
  client: Client,
  refreshToken: string,
) {
  const granted = await target.send('POST', endpoints.token, {
    headers: { authorization: basicAuth(client.id, client.secret) },
    form: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });
  if (granted.status !== 200) throw new Error(`refresh answered ${granted.status}: ${granted.text}`);
  return JSON.parse(granted.text) as Tokens;
}

export async function introspect(target: Target, endpoints: Endpoints, client: Client, token: string) {
  const answer = await target.send('POST', endpoints.introspection, {
    headers: { authorization: basicAuth(client.id, client.secret) },
    form: { token },
  });
  if (answer.status !== 200 || !answer.text.includes('"active":true')) {
    throw new Error(`introspection answered ${answer.status}: ${answer.text}`);
  }
}
