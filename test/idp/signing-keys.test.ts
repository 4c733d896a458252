import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { IdpTables } from '../../idp/database.ts';
import { loadSigningKeys } from '../../idp/oidc/signing-keys.ts';
import { IDP_MIGRATIONS, type RunningIdp, startIdp } from '../../idp/server.ts';
import { connectDatabase } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import { startDevMailbox } from '../../shared/mail/dev-mailbox.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { startForwarder } from '../helpers/balancer.ts';
import { HttpSession } from '../helpers/http-session.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { createMailbox } from '../helpers/mailbox.ts';
import { discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';
import { suiteRedisSettings } from '../helpers/redis.ts';

const ROTATION_SECONDS = 90 * 24 * 60 * 60;
const SECRET = 'signing-keys-client-secret-0123456789-abcdef';

type Jwks = { keys: { kid: string }[] };
const kidsAt = async (base: string) =>
  ((await (await fetch(`${base}/jwks`)).json()) as Jwks).keys.map((key) => key.kid);

/** Signing keys on one PostgreSQL: every copy of the IdP agrees on one key set. */
describe('signing keys shared by IdP copies on PostgreSQL', () => {
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function copies(count: number) {
    const postgres = await createPostgresDatabase();
    const mailServer = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-keys-'));
    cleanups.push(postgres.drop, mailServer.close, () => rm(dataDir, { recursive: true, force: true }));
    const redis = suiteRedisSettings();
    if (redis) cleanups.push(redis.forget);
    const issuerPort = await freePort();
    const ports = [issuerPort, ...(await Promise.all(Array.from({ length: count - 1 }, () => freePort())))];
    const env = {
      DATA_DIR: dataDir,
      IDP_ISSUER: `http://localhost:${issuerPort}`,
      IDP_DATABASE_URL: postgres.url,
      SMTP_URL: `smtp://127.0.0.1:${mailServer.smtpPort}`,
      LOG_LEVEL: 'silent',
      ...redis?.env,
    };
    const clients = [
      { client_id: 'site', client_secret: SECRET, first_party: true, redirect_uris: [REDIRECT_URI] },
    ];
    // Started together, on an empty database.
    const running: RunningIdp[] = await Promise.all(
      ports.map((port) =>
        startIdp({
          env: { ...env, IDP_PORT: String(port) },
          clients,
          logger: false,
          botCheckDifficulty: 1000,
        }),
      ),
    );
    cleanups.unshift(...running.map((idp) => idp.close));
    // The copies are reached as the balancer would reach them: under the issuer's host.
    const forwarders = await Promise.all(
      ports.slice(1).map((port) => startForwarder(`http://localhost:${port}`, `localhost:${issuerPort}`)),
    );
    cleanups.unshift(...forwarders.map((forwarder) => forwarder.close));
    const mailbox = createMailbox(`http://localhost:${mailServer.httpPort}`);
    return { running, urls: [env.IDP_ISSUER, ...forwarders.map((forwarder) => forwarder.url)], mailbox };
  }

  test('processes that create keys at the same moment on an empty database all read one key set', async () => {
    const postgres = await createPostgresDatabase();
    cleanups.push(postgres.drop);
    const { db } = connectDatabase<IdpTables>({ postgresUrl: postgres.url });
    cleanups.unshift(() => db.destroy());
    await migrateToLatest(db, IDP_MIGRATIONS);
    const now = Date.now();
    const sets = await Promise.all(
      Array.from({ length: 8 }, () => loadSigningKeys(db, ROTATION_SECONDS, now)),
    );
    for (const set of sets) expect(set).toEqual(sets[0]);
  });

  test('copies started together on an empty database publish the same JWKS', async () => {
    const { urls } = await copies(3);
    const published = await Promise.all(urls.map(kidsAt));
    for (const kids of published) expect(kids).toEqual(published[0]);
  });

  test('a running copy rotates on schedule, and the others already publish its new key', async () => {
    const { running, urls, mailbox } = await copies(2);
    const [first, second] = running as [RunningIdp, RunningIdp];
    const before = await kidsAt(urls[1]!);

    // What was registered on the provider before the rotation still hears the new one.
    const issued: string[] = [];
    first.provider.on('grant.success', () => issued.push('grant'));

    const nextPeriod = Date.now() + ROTATION_SECONDS * 1000;
    await first.refreshSigningKeys(nextPeriod);
    const person = await registerPerson({ issuer: first.url, mailbox } as TestIdp);
    const config = await discover(first.url, 'site', SECRET);
    const tokens = await signIn(config, new HttpSession(), person, { consent: false });
    const { kid } = decodeProtectedHeader(tokens.id_token!);
    // Signed with a key the other copy has published since before the rotation.
    expect(before).toContain(kid);
    expect(issued).toEqual(['grant']);
    expect(await kidsAt(urls[0]!)).not.toEqual(before);

    await second.refreshSigningKeys(nextPeriod);
    expect(await kidsAt(urls[1]!)).toEqual(await kidsAt(urls[0]!));
  });
});
