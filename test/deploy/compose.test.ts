import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
// Debian's package (scripts/install-test-deps.sh installs it): docker-compose 1.x, with PyYAML.
const DOCKER_COMPOSE = '/usr/bin/docker-compose';

/** Each secret, and the only services that may hold it. */
const SECRETS = {
  POSTGRES_PASSWORD: { value: 'superuser-password-x1', holders: ['postgres'] },
  IDP_DATABASE_PASSWORD: { value: 'idp-database-password-x2', holders: ['postgres', 'idp'] },
  RP_DATABASE_PASSWORD: { value: 'rp-database-password-x3', holders: ['postgres', 'relying-party', 'seed'] },
  // The IdP checks the extranet's client secret, so both ends hold it.
  RP_CLIENT_SECRET: { value: 'rp-client-secret-x4', holders: ['idp', 'relying-party'] },
  MC_DATABASE_PASSWORD: { value: 'mc-database-password-x5', holders: ['postgres', 'membership-center'] },
  MC_CLIENT_SECRET: { value: 'mc-client-secret-x6', holders: ['idp', 'membership-center'] },
  OS_DATABASE_PASSWORD: { value: 'os-database-password-x5', holders: ['postgres', 'online-services'] },
  OS_CLIENT_SECRET: { value: 'os-client-secret-x6', holders: ['idp', 'online-services'] },
  OS_CREDENTIALS_KEY: { value: 'os-credentials-key-x7', holders: ['online-services'] },
};
const ONE_SHOT = ['seed'];

type Service = {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  stop_grace_period?: string;
};

function compose(args: string[], env: Record<string, string>) {
  return run(DOCKER_COMPOSE, ['-f', COMPOSE_FILE, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

const secretEnv = Object.fromEntries(Object.entries(SECRETS).map(([name, { value }]) => [name, value]));

describe.skipIf(!existsSync(DOCKER_COMPOSE))(
  "docker-compose.yml as Debian's docker-compose reads it (skipped where it is not installed)",
  () => {
    let services: Record<string, Service>;

    beforeAll(async () => {
      await compose(['config', '-q'], secretEnv);
      const { stdout } = await compose(['config'], secretEnv);
      // docker-compose prints YAML; its own dependency PyYAML reads it back as JSON.
      const { stdout: json } = await new Promise<{ stdout: string }>((resolve, reject) => {
        const child = execFile(
          'python3',
          ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
          (error, out) => (error ? reject(error) : resolve({ stdout: out })),
        );
        child.stdin?.end(stdout);
      });
      services = (JSON.parse(json) as { services: Record<string, Service> }).services;
    });

    test.each(Object.keys(SECRETS))(
      'refuses to start without %s, naming it, and has no default for it',
      async (name) => {
        const { [name]: _missing, ...others } = secretEnv;
        await expect(compose(['config', '-q'], others)).rejects.toMatchObject({
          stderr: expect.stringContaining(`set ${name}`),
        });
        expect(readFileSync(COMPOSE_FILE, 'utf8')).not.toMatch(new RegExp(`\\$\\{${name}:?-`));
      },
    );

    test('every long-running service has a health check; the services ask /readyz', () => {
      for (const [name, service] of Object.entries(services)) {
        if (ONE_SHOT.includes(name)) continue;
        expect(service.healthcheck?.test, name).toBeDefined();
        expect(service.healthcheck?.disable, name).not.toBe(true);
      }
      expect(services.idp!.healthcheck!.test).toContain('http://127.0.0.1:4000/readyz');
      expect(services['relying-party']!.healthcheck!.test).toContain('http://127.0.0.1:4001/readyz');
      expect(services['membership-center']!.healthcheck!.test).toContain('http://127.0.0.1:4002/readyz');
    });

    test('no service is given a secret that is not its own', () => {
      for (const [secret, { value, holders }] of Object.entries(SECRETS)) {
        const holding = Object.entries(services)
          .filter(([, service]) => JSON.stringify(service).includes(value))
          .map(([name]) => name)
          .sort();
        expect(holding, secret).toEqual([...holders].sort());
      }
    });

    test('each service reaches only its own database, as its own role, never the superuser', () => {
      const urls = Object.entries(services).flatMap(([name, service]) =>
        Object.entries(service.environment ?? {})
          .filter(([key]) => key.endsWith('DATABASE_URL'))
          .map(([key, url]) => ({ name, key, url: new URL(url) })),
      );
      expect(urls.map(({ name, key }) => `${name} ${key}`).sort()).toEqual([
        'idp IDP_DATABASE_URL',
        'membership-center MC_DATABASE_URL',
        'online-services OS_DATABASE_URL',
        'relying-party RP_DATABASE_URL',
        'seed RP_DATABASE_URL',
      ]);
      for (const { name, url } of urls) {
        expect(url.username, name).not.toBe('postgres');
        const own: Record<string, string> = {
          idp: 'passport_idp /idp',
          'membership-center': 'passport_mc /membership_center',
          'online-services': 'passport_os /online_services',
        };
        expect(`${url.username} ${url.pathname}`, name).toBe(own[name] ?? 'passport_rp /relying_party');
      }
      const roles = readFileSync(path.join(ROOT, 'deploy', 'create-databases.sql'), 'utf8');
      for (const role of ['passport_idp', 'passport_rp', 'passport_mc', 'passport_os']) {
        expect(roles).toMatch(new RegExp(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`));
      }
      expect(roles).toMatch(/CREATE DATABASE idp OWNER passport_idp;/);
      expect(roles).toMatch(/CREATE DATABASE relying_party OWNER passport_rp;/);
      expect(roles).toMatch(/CREATE DATABASE membership_center OWNER passport_mc;/);
      expect(roles).toMatch(/CREATE DATABASE online_services OWNER passport_os;/);
    });

    test('Redis is in the shape, a one-shot service seeds the demo data, and copies get time to stop', () => {
      expect(services.redis).toBeDefined();
      expect(services.idp!.environment!.REDIS_URL).toBe('redis://redis:6379');
      expect(services.idp!.depends_on!.redis).toEqual({ condition: 'service_healthy' });
      expect(services.seed!.command).toEqual(['node', 'scripts/admin.ts', 'extranet', 'seed']);
      expect(services.seed!.restart).toBe('no');
      expect(services['relying-party']!.depends_on!.seed).toEqual({
        condition: 'service_completed_successfully',
      });
      for (const name of ['idp', 'relying-party', 'membership-center', 'online-services'])
        expect(services[name]!.stop_grace_period, name).toBe('30s');
    });
  },
);
