import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadStaticClients } from '../../idp/oidc/clients.ts';
import { loadIdpConfig } from '../../shared/config/idp.ts';
import { loadRelyingPartyConfig } from '../../shared/config/relying-party.ts';

describe('configuration', () => {
  test('defaults match the documented contract', () => {
    const config = loadIdpConfig({});
    expect(config.issuer).toBe('http://localhost:4000');
    expect(config.port).toBe(4000);
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.mail.devMailbox).toEqual({ smtpPort: 1025, httpPort: 4025 });
    expect(config.rememberedSessionSeconds).toBe(30 * 86_400);
    expect(config.sessionSeconds).toBe(12 * 3600);
    expect(config.sessionIdleSeconds).toBe(60 * 60);
    expect(config.secretAnswerReset).toBe(true);
    expect(loadIdpConfig({ IDP_SECRET_ANSWER_RESET: 'false' }).secretAnswerReset).toBe(false);
    expect(config.redis).toBeUndefined();
    expect(config.noScriptFormsPerHour).toBe(3);
  });

  test('REDIS_URL moves short-lived state to Redis, under a key prefix of its own', () => {
    expect(loadIdpConfig({ REDIS_URL: 'redis://cache:6379/2' }).redis).toEqual({
      url: 'redis://cache:6379/2',
      keyPrefix: 'passport:idp:',
    });
    expect(loadIdpConfig({ REDIS_URL: 'rediss://cache', REDIS_KEY_PREFIX: 'idp-b:' }).redis?.keyPrefix).toBe(
      'idp-b:',
    );
  });

  test('an IdP whose Redis does not answer stops with one clear line that does not show the URL', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-no-redis-'));
    const result = spawnSync(process.execPath, ['idp/main.ts'], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        IDP_PORT: '0',
        REDIS_URL: 'redis://:hunter2-secret@127.0.0.1:1',
        NODE_NO_WARNINGS: '1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^Invalid configuration: REDIS_URL: no Redis answers there/),
    ]);
    expect(result.stderr).not.toContain('hunter2');
    await rm(dataDir, { recursive: true, force: true });
  });

  test.each([
    ['IDP_ISSUER', 'not a url'],
    ['IDP_PORT', 'eighty'],
    ['IDP_DATABASE_URL', 'mysql://localhost/db'],
    ['SMTP_URL', 'http://mail'],
    ['IDP_REMEMBERED_SESSION_DAYS', '-3'],
    ['IDP_INITIAL_ACCESS_TOKEN', 'short'],
    ['IDP_SESSION_HOURS', '0'],
    ['IDP_SESSION_HOURS', 'twelve'],
    ['IDP_SESSION_IDLE_MINUTES', '-5'],
    ['IDP_SECRET_ANSWER_RESET', 'maybe'],
    ['REDIS_URL', 'http://cache:6379'],
    ['REDIS_KEY_PREFIX', 'two words'],
    ['REDIS_KEY_PREFIX', 'any*'],
    ['IDP_NO_SCRIPT_FORMS_PER_HOUR', '0'],
  ])('a bad %s names the variable', (variable, value) => {
    expect(() => loadIdpConfig({ [variable]: value })).toThrow(
      new RegExp(`^Invalid configuration: ${variable}: `),
    );
  });

  test('no proxy is trusted unless one is named', () => {
    expect(loadIdpConfig({}).trustProxy).toBe(false);
    expect(loadRelyingPartyConfig({}).trustProxy).toBe(false);
  });

  test('a proxy is trusted by hop count or by a list of addresses and networks', () => {
    expect(loadIdpConfig({ IDP_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadIdpConfig({ IDP_TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '::1',
    ]);
    expect(loadRelyingPartyConfig({ RP_TRUST_PROXY: 'loopback,2001:db8::/32' }).trustProxy).toEqual([
      'loopback',
      '2001:db8::/32',
    ]);
  });

  test.each([
    ['IDP_TRUST_PROXY', 'true'],
    ['IDP_TRUST_PROXY', '*'],
    ['IDP_TRUST_PROXY', '0.0.0.0/0'],
    ['IDP_TRUST_PROXY', '10.0.0.1,::/0'],
    ['IDP_TRUST_PROXY', '10.0.0.300'],
    ['IDP_TRUST_PROXY', '10.0.0.0/33'],
    ['IDP_TRUST_PROXY', '-1'],
    ['RP_TRUST_PROXY', 'yes'],
  ])('%s=%s (trusting every sender, or not an address) is refused with a clear line', (variable, value) => {
    const load = variable === 'RP_TRUST_PROXY' ? loadRelyingPartyConfig : loadIdpConfig;
    expect(() => load({ [variable]: value })).toThrow(
      new RegExp(`^Invalid configuration: ${variable}: .*(hop count|address)`),
    );
  });

  test('the process stops with one clear line on a bad value', () => {
    const result = spawnSync(process.execPath, ['idp/main.ts'], {
      env: { ...process.env, IDP_PORT: 'eighty', NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: IDP_PORT: /),
    ]);
  });

  test('an unreadable clients file stops the process with a clear line', () => {
    const result = spawnSync(process.execPath, ['idp/main.ts'], {
      env: { ...process.env, IDP_CLIENTS_FILE: '/nonexistent/clients.json', NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr.trim()).toMatch(/^Invalid configuration: IDP_CLIENTS_FILE: cannot read/);
  });

  test('a clients file takes secrets from the environment, and names a missing one', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'passport-clients-')), 'clients.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          client_id: 'site',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder syntax of a clients file.
          client_secret: '${SITE_SECRET}',
          redirect_uris: ['https://site.example/callback'],
        },
      ]),
    );
    const [client] = await loadStaticClients(file, { SITE_SECRET: 'from-the-environment' });
    expect(client?.client_secret).toBe('from-the-environment');
    await expect(loadStaticClients(file, {})).rejects.toThrow(
      /^Invalid configuration: IDP_CLIENTS_FILE: it names \$\{SITE_SECRET\}, which is not set$/,
    );
  });

  test("the compose deployment's clients file registers every site, each with its own secret", async () => {
    const clients = await loadStaticClients('deploy/clients.json', {
      RP_CLIENT_SECRET: 'x'.repeat(32),
      OS_CLIENT_SECRET: 'y'.repeat(32),
      MC_CLIENT_SECRET: 'z'.repeat(32),
    });
    expect(clients.map((client) => client.client_id)).toEqual([
      'customersource',
      'online-services',
      'membership-center',
    ]);
    expect(clients.map((client) => client.client_secret)).toEqual([
      'x'.repeat(32),
      'y'.repeat(32),
      'z'.repeat(32),
    ]);
  });

  test('the compose deployment trusts its one balancer, which replaces what clients send', async () => {
    const compose = await readFile('docker-compose.yml', 'utf8');
    const setting = (name: string) => new RegExp(`^\\s*${name}:\\s*"?([^"\\n]*)"?$`, 'm').exec(compose)?.[1];
    expect(loadIdpConfig({ IDP_TRUST_PROXY: setting('IDP_TRUST_PROXY') }).trustProxy).toBe(1);
    expect(loadRelyingPartyConfig({ RP_TRUST_PROXY: setting('RP_TRUST_PROXY') }).trustProxy).toBe(1);

    const nginx = await readFile('deploy/nginx.conf', 'utf8');
    const proxied = nginx.match(/proxy_pass /g)?.length;
    expect(proxied).toBeGreaterThan(0);
    for (const header of ['Host $http_host', 'X-Forwarded-Host $http_host', 'X-Forwarded-For $remote_addr']) {
      expect(nginx.split(`proxy_set_header ${header};`).length - 1).toBe(proxied);
    }
    expect(nginx).not.toContain('$proxy_add_x_forwarded_for');
  });

  test('clients may come inline from IDP_CLIENTS, validated the same way', async () => {
    const clients = [{ client_id: 'inline', redirect_uris: ['https://site.example/callback'] }];
    const loaded = await loadStaticClients(undefined, { IDP_CLIENTS: JSON.stringify(clients) });
    expect(loaded.map((client) => client.client_id)).toEqual(['inline']);
    await expect(loadStaticClients(undefined, { IDP_CLIENTS: '[{"client_id": 1}]' })).rejects.toThrow(
      /^Invalid configuration: IDP_CLIENTS: \[0\.client_id\]/,
    );
    await expect(loadStaticClients(undefined, { IDP_CLIENTS: 'not json' })).rejects.toThrow(
      /^Invalid configuration: IDP_CLIENTS: its value is not valid JSON$/,
    );
  });
});
