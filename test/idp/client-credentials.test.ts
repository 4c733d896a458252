import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { REDIRECT_URI } from '../helpers/oidc-client.ts';

const MACHINE_SECRET = 'machine-client-secret-0123456789-0123456789';
const SITE_SECRET = 'site-client-secret-0123456789-0123456789-ab';
const INITIAL_ACCESS_TOKEN = 'initial-access-token-0123456789';

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe('client credentials grant', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp({
      initialAccessToken: INITIAL_ACCESS_TOKEN,
      clients: [
        {
          client_id: 'billing-service',
          client_secret: MACHINE_SECRET,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        { client_id: 'site', client_secret: SITE_SECRET, redirect_uris: [REDIRECT_URI] },
        { client_id: 'app', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT_URI] },
      ],
    });
  });

  afterAll(async () => {
    await idp?.close();
  });

  async function token(body: Record<string, string>, authorization?: string) {
    const response = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(authorization ? { authorization } : {}),
      },
      body: new URLSearchParams(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function introspect(value: string, authorization: string) {
    const response = await fetch(`${idp.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: new URLSearchParams({ token: value }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  test('discovery offers it', async () => {
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
      grant_types_supported: string[];
    };
    expect(discovery.grant_types_supported).toContain('client_credentials');
  });

  test('a confidential machine client gets an access token that introspects active', async () => {
    const granted = await token(
      { grant_type: 'client_credentials' },
      basic('billing-service', MACHINE_SECRET),
    );
    expect(granted.status).toBe(200);
    expect(granted.body.token_type).toBe('Bearer');
    expect(typeof granted.body.access_token).toBe('string');
    expect(granted.body.refresh_token).toBeUndefined();
    expect(granted.body.id_token).toBeUndefined();

    const seen = await introspect(
      granted.body.access_token as string,
      basic('billing-service', MACHINE_SECRET),
    );
    expect(seen).toMatchObject({ active: true, client_id: 'billing-service', token_type: 'Bearer' });
    // Nobody signed in: the token speaks for the client alone.
    expect(seen.sub).toBeUndefined();
  });

  test('a wrong secret gets nothing', async () => {
    const refused = await token(
      { grant_type: 'client_credentials' },
      basic('billing-service', 'not-the-secret'),
    );
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
    expect(refused.body.access_token).toBeUndefined();
  });

  test('a client registered without the grant type is refused', async () => {
    const refused = await token({ grant_type: 'client_credentials' }, basic('site', SITE_SECRET));
    expect(refused.status).toBe(400);
    expect(refused.body.access_token).toBeUndefined();
  });

  test('a public client is refused, at the token endpoint and at registration', async () => {
    const refused = await token({ grant_type: 'client_credentials', client_id: 'app' });
    expect(refused.status).toBe(400);
    expect(refused.body.access_token).toBeUndefined();

    const registration = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL_ACCESS_TOKEN}` },
      body: JSON.stringify({
        client_name: 'Public machine',
        token_endpoint_auth_method: 'none',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      }),
    });
    expect(registration.status).toBe(400);
    expect(((await registration.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });

  // Found by the fuzzer: the machine-client rule read grant_types before oidc-provider checked its type.
  test.each([false, 'client_credentials', { 0: 'client_credentials' }, null])(
    'a registration whose grant_types is %j, not a list, is refused as invalid metadata, not a 500',
    async (grantTypes) => {
      const registration = await fetch(`${idp.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL_ACCESS_TOKEN}` },
        body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], grant_types: grantTypes }),
      });
      expect(registration.status).toBe(400);
      expect(((await registration.json()) as { error: string }).error).toBe('invalid_client_metadata');
    },
  );

  test('an IdP configured with a public machine client stops at start with one line naming it', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-public-machine-'));
    const publicMachine = {
      client_id: 'public-machine',
      token_endpoint_auth_method: 'none',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    };
    const result = spawnSync(process.execPath, ['idp/main.ts'], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        IDP_PORT: '0',
        IDP_CLIENTS: JSON.stringify([publicMachine]),
        NODE_NO_WARNINGS: '1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    await rm(dataDir, { recursive: true, force: true });
    expect(result.status).toBe(78);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid configuration: client public-machine: client_credentials is only for clients that authenticate',
    ]);
  });
});
