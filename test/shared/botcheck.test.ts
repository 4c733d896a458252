import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { connectDatabase } from '../../shared/db/connect.ts';
import { migrateToLatest } from '../../shared/db/migrate.ts';
import type { SharedTables } from '../../shared/db/tables.ts';
import { botCheckRoutes } from '../../shared/http/botcheck-routes.ts';
import { type BotCheck, createBotCheck } from '../../shared/security/botcheck.ts';
import { databaseSpentProofs } from '../../shared/state/spent-proofs.ts';
import { solveBotCheck } from '../helpers/botcheck.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';

const ELEVEN_MINUTES = 11 * 60 * 1000;

function decode(payload: string) {
  return JSON.parse(atob(payload));
}

function encode(solved: unknown): string {
  return btoa(JSON.stringify(solved));
}

describe.each(['sqlite', 'postgres'] as const)('bot check on %s', (store) => {
  let dataDir: string;
  let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  let db: Kysely<SharedTables>;
  let botCheck: BotCheck;
  let app: FastifyInstance;
  let baseUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'passport-botcheck-'));
    postgres = store === 'postgres' ? await createPostgresDatabase() : undefined;
    db = connectDatabase<SharedTables>(
      postgres ? { postgresUrl: postgres.url } : { sqliteFile: path.join(dataDir, 'botcheck.sqlite') },
    ).db;
    await migrateToLatest(db, path.resolve('migrations/idp'));
    botCheck = createBotCheck({
      spent: databaseSpentProofs(db),
      hmacKey: 'a-test-key-for-the-bot-check-hmac',
      maxNumber: 200,
    });
    app = Fastify({ logger: false });
    await app.register(botCheckRoutes, { botCheck });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await postgres?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a solved challenge passes once; the same payload again is a replay and is refused', async () => {
    const payload = await solveBotCheck(baseUrl);
    expect(await botCheck.verify(payload)).toBe(true);
    expect(await botCheck.verify(payload)).toBe(false);
  });

  test('of two concurrent submissions of one solution, exactly one passes', async () => {
    const payload = await solveBotCheck(baseUrl);
    const results = await Promise.all([1, 2, 3, 4].map(() => botCheck.verify(payload)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test('a tampered payload is refused', async () => {
    const solved = decode(await solveBotCheck(baseUrl));
    const laterExpiry = structuredClone(solved);
    laterExpiry.challenge.parameters.expiresAt += 3600;
    const otherCounter = structuredClone(solved);
    otherCounter.solution.counter += 1;
    const otherKey = structuredClone(solved);
    otherKey.solution.derivedKey = otherKey.solution.derivedKey.replace(/^./, (c: string) =>
      c === '0' ? '1' : '0',
    );
    const unsigned = structuredClone(solved);
    delete unsigned.challenge.signature;

    for (const tampered of [laterExpiry, otherCounter, otherKey, unsigned]) {
      expect(await botCheck.verify(encode(tampered))).toBe(false);
    }
    // Untouched, it still passes: the refusals above did not spend it.
    expect(await botCheck.verify(encode(solved))).toBe(true);
  });

  test('a challenge signed with another key is refused', async () => {
    const stranger = createBotCheck({
      spent: databaseSpentProofs(db),
      hmacKey: 'someone-elses-key-for-the-bot-check',
      maxNumber: 200,
    });
    const strangerApp = Fastify({ logger: false });
    await strangerApp.register(botCheckRoutes, { botCheck: stranger });
    try {
      const payload = await solveBotCheck(await strangerApp.listen({ port: 0, host: '127.0.0.1' }));
      expect(await botCheck.verify(payload)).toBe(false);
    } finally {
      await strangerApp.close();
    }
  });

  test('garbage, empty, oversized, non-string and mock payloads are refused without throwing', async () => {
    const inputs: unknown[] = [
      'not base64 at all!',
      btoa('not json'),
      btoa('{"challenge":null,"solution":null}'),
      // What the widget posts in its `test` mode.
      encode({ challenge: null, solution: null, test: true }),
      '',
      'A'.repeat(10 * 1024),
      12345,
      undefined,
      null,
      {},
      ['x'],
    ];
    for (const input of inputs) {
      await expect(botCheck.verify(input)).resolves.toBe(false);
    }
  });

  test('an expired challenge is refused', async () => {
    const payload = await solveBotCheck(baseUrl);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + ELEVEN_MINUTES);
    expect(await botCheck.verify(payload)).toBe(false);
  });

  test('sweeping forgets only spent challenges that have expired', async () => {
    await db.deleteFrom('botcheck_spent').execute();
    expect(await botCheck.verify(await solveBotCheck(baseUrl))).toBe(true);
    await botCheck.sweep();
    expect(await db.selectFrom('botcheck_spent').select('signature').execute()).toHaveLength(1);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * ELEVEN_MINUTES);
    await botCheck.sweep();
    expect(await db.selectFrom('botcheck_spent').select('signature').execute()).toHaveLength(0);
  });

  test('the challenge URL is never cached', async () => {
    const response = await fetch(`${baseUrl}/botcheck/challenge`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const challenge = await response.json();
    expect(challenge.parameters.algorithm).toBe('SHA-256');
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the widget, its stylesheet and its worker are served from our own origin', async () => {
    const script = await fetch(`${baseUrl}/assets/altcha.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toMatch(/max-age=\d{6,}/);
    const source = await script.text();
    expect(source).toContain('altcha-widget');
    expect(source).toContain('./altcha-sha-worker.js');

    const stylesheet = await fetch(`${baseUrl}/assets/altcha.css`);
    expect(stylesheet.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await stylesheet.text()).toContain('.altcha');

    const worker = await fetch(`${baseUrl}/assets/altcha-sha-worker.js`);
    expect(worker.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await worker.text()).toContain('crypto.subtle');

    const revalidated = await fetch(`${baseUrl}/assets/altcha.js`, {
      headers: { 'if-none-match': script.headers.get('etag') ?? '' },
    });
    expect(revalidated.status).toBe(304);
  });
});
