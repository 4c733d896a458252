import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { currentInstance } from '../../idp/oidc/replaceable-provider.ts';
import { rotateSigningKeysNow } from '../../idp/oidc/signing-keys.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';

const PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks'];
// What an answer is, rather than how it travelled (date, connection) or who else set it (our security headers).
const PROVIDER_HEADERS = [
  'content-type',
  'content-length',
  'vary',
  'access-control-allow-origin',
  'cache-control',
];

type Answer = { status: number; headers: Record<string, string | null>; body: string };

async function answer(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    headers: Object.fromEntries(PROVIDER_HEADERS.map((name) => [name, response.headers.get(name)])),
    body: await response.text(),
  };
}

/** Discovery and the JWKS come from a kept answer; they must be oidc-provider's own, key set after key set. */
describe('published documents', () => {
  let idp: TestIdp;
  let bare: Server;
  let bareUrl: string;
  const forwarded = () => {
    const issuer = new URL(idp.issuer);
    return { 'x-forwarded-proto': issuer.protocol.slice(0, -1), 'x-forwarded-host': issuer.host };
  };

  beforeAll(async () => {
    idp = await startTestIdp();
    // oidc-provider alone, over HTTP: whichever instance the IdP's requests reach now.
    bare = createServer((request, response) => currentInstance(idp.provider).callback()(request, response));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => bare?.close(resolve));
    await idp?.close();
  });

  test.each(PATHS)('%s is what oidc-provider answers, with and without an Origin', async (path) => {
    const origins: Record<string, string>[] = [{}, { origin: 'https://app.example' }];
    for (const origin of origins) {
      const ours = await answer(`${idp.issuer}${path}`, origin);
      const theirs = await answer(`${bareUrl}${path}`, { ...forwarded(), ...origin });
      expect(ours.status).toBe(200);
      expect(ours).toEqual(theirs);
    }
  });

  test('a query string changes nothing, other methods still reach oidc-provider', async () => {
    const plain = await answer(`${idp.issuer}/jwks`);
    expect(await answer(`${idp.issuer}/jwks?x=1`)).toEqual(plain);
    const preflight = await fetch(`${idp.issuer}/jwks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET');
    expect((await fetch(`${idp.issuer}/jwks`, { method: 'POST' })).status).toBeGreaterThanOrEqual(400);
  });

  test('a key rotation shows in the JWKS and discovery served', async () => {
    const before = JSON.parse((await answer(`${idp.issuer}/jwks`)).body) as { keys: { kid: string }[] };
    const listed = await rotateSigningKeysNow(idp.db, idp.config.signingKeyRotationSeconds);
    await idp.refreshSigningKeys();
    const after = await answer(`${idp.issuer}/jwks`);
    const kids = (JSON.parse(after.body) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
    expect(kids.sort()).toEqual(listed.map((key) => key.kid).sort());
    expect(kids).not.toEqual(before.keys.map((key) => key.kid).sort());
    for (const path of PATHS) {
      expect(await answer(`${idp.issuer}${path}`)).toEqual(await answer(`${bareUrl}${path}`, forwarded()));
    }
  });
});
