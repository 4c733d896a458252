import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadIdpConfig } from '../../shared/config/idp.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';

const SECRET = 'rehash-client-secret-0123456789-0123456789';
const CLIENTS = [
  { client_id: 'site', client_secret: SECRET, first_party: true, redirect_uris: [REDIRECT_URI] },
];

/** The parameters a stored argon2id hash was made with. */
function parametersOf(hash: string) {
  const match = /^\$argon2id\$v=19\$([a-z0-9=,]+)\$/.exec(hash);
  if (!match) throw new Error('not an argon2id hash');
  const parameters = new URLSearchParams(match[1]!.replaceAll(',', '&'));
  return {
    memoryKib: Number(parameters.get('m')),
    timeCost: Number(parameters.get('t')),
    parallelism: Number(parameters.get('p')),
  };
}

async function storedPassword(idp: TestIdp, person: TestPerson) {
  return idp.db
    .selectFrom('accounts')
    .select(['password_hash', 'password_changed_at'])
    .where('email', '=', person.email)
    .executeTakeFirstOrThrow();
}

describe('argon2 parameters', () => {
  test('are settings that never go below OWASP’s baseline (19 MiB, 2 passes, 1 lane)', () => {
    expect(loadIdpConfig({}).passwordHashing).toEqual({ memoryKib: 19_456, timeCost: 2, parallelism: 1 });
    expect(
      loadIdpConfig({
        IDP_ARGON2_MEMORY_KIB: '65536',
        IDP_ARGON2_TIME_COST: '3',
        IDP_ARGON2_PARALLELISM: '2',
      }).passwordHashing,
    ).toEqual({ memoryKib: 65_536, timeCost: 3, parallelism: 2 });
    expect(() => loadIdpConfig({ IDP_ARGON2_MEMORY_KIB: '8192' })).toThrow(/IDP_ARGON2_MEMORY_KIB/);
    expect(() => loadIdpConfig({ IDP_ARGON2_TIME_COST: '1' })).toThrow(/IDP_ARGON2_TIME_COST/);
    expect(() => loadIdpConfig({ IDP_ARGON2_PARALLELISM: '0' })).toThrow(/IDP_ARGON2_PARALLELISM/);
    expect(() => loadIdpConfig({ IDP_ARGON2_TIME_COST: 'lots' })).toThrow(/IDP_ARGON2_TIME_COST/);
  });
});

describe('a password hashed under older parameters', () => {
  let dataDir: string;
  let person: TestPerson;
  let idp: TestIdp;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'passport-rehash-'));
    const before = await startTestIdp({ clients: CLIENTS, redis: false, env: { DATA_DIR: dataDir } });
    try {
      person = await registerPerson(before);
      expect(parametersOf((await storedPassword(before, person)).password_hash)).toEqual({
        memoryKib: 19_456,
        timeCost: 2,
        parallelism: 1,
      });
    } finally {
      await before.close();
    }
    // The same database, restarted by an operator who raised the cost.
    idp = await startTestIdp({
      clients: CLIENTS,
      redis: false,
      env: { DATA_DIR: dataDir, IDP_ARGON2_MEMORY_KIB: '24576', IDP_ARGON2_TIME_COST: '3' },
    });
  });

  afterAll(async () => {
    await idp?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('is kept as it is after a wrong password', async () => {
    const before = await storedPassword(idp, person);
    const config = await discover(idp.issuer, 'site', SECRET);
    await expect(
      signIn(config, new HttpSession(), { ...person, password: `${person.password}-wrong` }),
    ).rejects.toThrow(/flow stopped/);
    expect((await storedPassword(idp, person)).password_hash).toBe(before.password_hash);
    expect(parametersOf(before.password_hash).timeCost).toBe(2);
  });

  test('is hashed again under the new ones at the next sign-in, and the password still works', async () => {
    const old = await storedPassword(idp, person);
    expect(parametersOf(old.password_hash).timeCost).toBe(2);
    const config = await discover(idp.issuer, 'site', SECRET);

    await signIn(config, new HttpSession(), person);

    const rehashed = await storedPassword(idp, person);
    expect(parametersOf(rehashed.password_hash)).toEqual({ memoryKib: 24_576, timeCost: 3, parallelism: 1 });
    // The same password under a new hash: not a password change.
    expect(rehashed.password_changed_at).toBe(old.password_changed_at);

    const again = await signIn(config, new HttpSession(), person);
    expect(again.access_token).toBeTruthy();
    // Already current: the next sign-in writes no new hash.
    expect((await storedPassword(idp, person)).password_hash).toBe(rehashed.password_hash);
  });
});
