// The floor a login is measured against: a bare oidc-provider (memory adapter,
// no store, no pages beyond a minimal sign-in form) whose sign-in does one
// argon2id verification at the IdP's parameters and nothing else. Started by
// `npm run bench` as its own process, like the IdP; not a service.
import { createServer, type IncomingMessage } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { hashSecret, useHashParameters, verifySecret } from '../shared/security/hashing.ts';

const issuer = process.env.FLOOR_ISSUER!;
const clients = JSON.parse(process.env.FLOOR_CLIENTS!) as Configuration['clients'];
const people = JSON.parse(process.env.FLOOR_ACCOUNTS!) as { email: string; password: string }[];

useHashParameters(loadIdpConfig(process.env).passwordHashing);
const accounts = new Map<string, { id: string; hash: string }>();
for (const [index, person] of people.entries()) {
  accounts.set(person.email, { id: `account-${index}`, hash: await hashSecret(person.password) });
}

async function signingKey(alg: 'RS256' | 'ES256') {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: alg };
}

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [await signingKey('RS256'), await signingKey('ES256')] } as Configuration['jwks'],
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, email: `${sub}@example.test`, email_verified: true }),
  }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  responseTypes: ['code'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  rotateRefreshToken: true,
  cookies: { keys: ['floor-cookie-key-0123456789abcdef'] },
});

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

const callback = provider.callback();
const server = createServer(async (request, response) => {
  try {
    const url = new URL(request.url ?? '/', issuer);
    if (url.pathname === '/healthz') {
      response.end('ok');
      return;
    }
    const interaction = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
    if (interaction && request.method === 'GET' && !interaction[2]) {
      await provider.interactionDetails(request, response);
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(
        `<!doctype html><title>Sign in</title><form method="post" action="${url.pathname}/login">` +
          '<label>E-mail <input name="email"></label><label>Password <input name="password" type="password"></label>' +
          '<button>Sign in</button></form>',
      );
      return;
    }
    if (interaction?.[2] && request.method === 'POST') {
      const details = await provider.interactionDetails(request, response);
      const form = await formOf(request);
      const account = accounts.get(form.get('email') ?? '');
      if (!account || !(await verifySecret(account.hash, form.get('password') ?? ''))) {
        response.statusCode = 401;
        response.end('wrong password');
        return;
      }
      // Login and consent at once: the floor has no consent page.
      const grant = new provider.Grant({
        accountId: account.id,
        clientId: details.params.client_id as string,
      });
      grant.addOIDCScope(details.params.scope as string);
      const grantId = await grant.save();
      await provider.interactionFinished(request, response, {
        login: { accountId: account.id },
        consent: { grantId },
      });
      return;
    }
    callback(request, response);
  } catch (error) {
    response.statusCode = 500;
    response.end(String(error));
  }
});
server.listen(Number(new URL(issuer).port), '127.0.0.1');
