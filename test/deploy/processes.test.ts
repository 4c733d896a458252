import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../helpers/ports.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

type Running = { child: ChildProcess; lines: string[]; exited: Promise<number | null> };

/** A service as production runs it: its own process, configured only by its environment. */
function startProcess(entry: string, env: Record<string, string>): Running {
  const child = spawn(process.execPath, [path.join(ROOT, entry)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function waitForLine(running: Running, pattern: RegExp) {
  for (let tries = 0; tries < 600; tries++) {
    const line = running.lines.find((candidate) => pattern.test(candidate));
    if (line) return line;
    if (running.child.exitCode !== null) throw new Error(`exited: ${running.lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no line ${pattern} in:\n${running.lines.join('\n')}`);
}

const folders: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function serviceEnv(service: 'idp' | 'relying-party') {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-process-'));
  folders.push(dataDir);
  const port = await freePort();
  const common = { DATA_DIR: dataDir, LOG_LEVEL: 'info', SMTP_URL: `smtp://127.0.0.1:${await freePort()}` };
  return {
    port,
    env:
      service === 'idp'
        ? { ...common, IDP_ISSUER: `http://localhost:${port}` }
        : {
            ...common,
            RP_URL: `http://localhost:${port}`,
            RP_ISSUER: `http://localhost:${await freePort()}`,
            RP_CLIENT_SECRET: 'process-test-client-secret-0123456789',
          },
  };
}

const SERVICES = [
  { service: 'idp' as const, entry: 'idp/main.ts', form: '/signup' },
  { service: 'relying-party' as const, entry: 'relying-party/main.ts', form: '/associate' },
];

describe.each(SERVICES)('$service on SIGTERM', ({ service, entry, form }) => {
  test('finishes the request in flight, takes no new one, stops its workers and exits 0', async () => {
    const { port, env } = await serviceEnv(service);
    const running = startProcess(entry, env);
    children.push(running.child);
    await waitForLine(running, /Server listening/);

    // A form whose body is still arriving when the signal comes.
    const body = 'email=someone%40example.test&password=x';
    const request = http.request({
      host: 'localhost',
      port,
      method: 'POST',
      path: form,
      headers: {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
      },
    });
    const answered = new Promise<{ status: number | undefined }>((resolve, reject) => {
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode }));
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 10));
    await waitForLine(running, new RegExp(`"route":"${form}".*"msg":"incoming request"`));

    running.child.kill('SIGTERM');
    await waitForLine(running, /shutting down: finishing requests in flight/);
    await expect(fetch(`http://localhost:${port}/`)).rejects.toThrow();

    request.end(body.slice(10));
    const answer = await answered;
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.status).toBeLessThan(500);
    expect(await running.exited).toBe(0);
    expect(running.lines.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });
});

test('the extranet refuses to start in production without its client secret, in one line', async () => {
  const { env } = await serviceEnv('relying-party');
  const { RP_CLIENT_SECRET: _omitted, ...withoutSecret } = env as Record<string, string>;
  const running = startProcess('relying-party/main.ts', { ...withoutSecret, NODE_ENV: 'production' });
  children.push(running.child);
  expect(await running.exited).toBe(78);
  expect(running.lines.filter((line) => line.trim() !== '')).toEqual([
    'Invalid configuration: RP_CLIENT_SECRET: required when NODE_ENV is production (the secret the IdP knows this site by)',
  ]);
});

describe('the containers’ health check', () => {
  async function check(url: string, host?: string) {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'scripts/healthcheck.ts'), url, ...(host ? [host] : [])],
      {
        stdio: 'ignore',
      },
    );
    return new Promise<number | null>((resolve) => child.on('exit', resolve));
  }

  test('passes only on a 2xx answered at the public host, and fails when nothing answers', async () => {
    // Like the services: anything but the public host is a 421.
    const server = http.createServer((request, response) => {
      response.statusCode = request.headers.host === 'passport.localhost:4000' ? 200 : 421;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      expect(await check(`http://127.0.0.1:${port}/readyz`, 'passport.localhost:4000')).toBe(0);
      expect(await check(`http://127.0.0.1:${port}/readyz`)).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await check(`http://127.0.0.1:${port}/readyz`, 'passport.localhost:4000')).toBe(1);
  });
});
