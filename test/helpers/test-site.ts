import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';

/**
 * A minimal relying site for browser tests: /login starts code + PKCE, /callback
 * finishes it and shows who signed in. It knows the IdP only through OIDC.
 */
export async function startTestSite(options: { clientId: string; clientSecret?: string; scope?: string }) {
  const flows = new Map<string, { verifier: string; nonce: string }>();
  let config: oidc.Configuration | undefined;
  let issuer = '';
  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`site error: ${error.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${origin}/callback`;

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    config ??= await oidc.discovery(
      new URL(issuer),
      options.clientId,
      options.clientSecret,
      options.clientSecret ? undefined : oidc.None(),
      { execute: [oidc.allowInsecureRequests] },
    );
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname === '/login') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = randomUUID();
      const nonce = oidc.randomNonce();
      flows.set(state, { verifier, nonce });
      const extra = Object.fromEntries(url.searchParams);
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: options.scope ?? 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...extra,
      });
      response.writeHead(302, { location: target.href }).end();
      return;
    }
    if (url.pathname === '/callback') {
      const state = url.searchParams.get('state') ?? '';
      const flow = flows.get(state);
      if (url.searchParams.get('error')) {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<h1>Not signed in</h1><p id="error">${url.searchParams.get('error')}</p>`);
        return;
      }
      if (!flow) throw new Error('unknown state');
      flows.delete(state);
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
      });
      const claims = tokens.claims()!;
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<h1>Signed in</h1><p id="who">${String(info.email)}</p><p id="acr">${String(claims.acr)}</p>`);
      return;
    }
    response.writeHead(404).end();
  }

  return {
    origin,
    redirectUri,
    /** The site is registered at the IdP by its redirect URI, so it listens first and learns the issuer after. */
    useIssuer(url: string) {
      issuer = url;
    },
    loginUrl: `${origin}/login`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
