// `npm run bench`: what an IdP login, grant and document costs here, each figure
// beside a reference measured in the same run (alternating, A B A B), so the
// ratio is the result more than the milliseconds. It starts everything it
// measures itself; see README "Performance" for the knobs and how to read it.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { emailKey, normalizeAnswer } from '../idp/accounts/normalize.ts';
import { insertAccount } from '../idp/accounts/repository.ts';
import { idpDatabase } from '../idp/server.ts';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { hashSecret, useHashParameters, verifySecret } from '../shared/security/hashing.ts';
import { freePort } from '../test/helpers/ports.ts';
import { Target } from './http.ts';
import { alternate, type Figure, type LoadOptions, type Side } from './load.ts';
import {
  type Account,
  type Client,
  clientCredentialsGrant,
  discoverEndpoints,
  type Endpoints,
  fullLogin,
  introspect,
  REDIRECT_URI,
  refreshGrant,
} from './login-flow.ts';
import { type Service, startService } from './processes.ts';
import { profileByPart } from './profile.ts';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const LOAD: LoadOptions = {
  concurrency: knob('BENCH_CONCURRENCY', 4),
  rounds: knob('BENCH_ROUNDS', 3),
  roundMs: knob('BENCH_ROUND_SECONDS', 2) * 1000,
  warmUpMs: knob('BENCH_WARM_UP_SECONDS', 1) * 1000,
};
const SESSIONS = knob('BENCH_SESSIONS', 10_000);
const ACCOUNTS = knob('BENCH_ACCOUNTS', 16);
const IDP_LOG_LEVEL = process.env.BENCH_IDP_LOG_LEVEL ?? 'info';
// A CPU profile of the IdP during logins, to say how a login's time divides; BENCH_PROFILE=0 skips it.
const PROFILE = process.env.BENCH_PROFILE !== '0';
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const REDIS_URL = process.env.BENCH_REDIS_URL;

// The test helpers that make databases and Redis prefixes read these names.
if (DATABASE_URL) process.env.TEST_POSTGRES_URL = DATABASE_URL;
if (REDIS_URL) process.env.TEST_REDIS_URL = REDIS_URL;
const { createPostgresDatabase } = await import('../test/helpers/postgres.ts');
const { redisSettings } = await import('../test/helpers/redis.ts');
const { countLoginWrites, totalWrites } = await import('../test/helpers/login-writes.ts');
const { measureStoredSessions } = await import('./stored-sessions.ts');

type Shape = { label: string; store: 'sqlite' | 'postgres'; redis: boolean };
const shapes: Shape[] = [{ label: 'SQLite', store: 'sqlite', redis: false }];
if (DATABASE_URL) shapes.push({ label: 'PostgreSQL', store: 'postgres', redis: false });
if (REDIS_URL) {
  shapes.push({
    label: `${DATABASE_URL ? 'PostgreSQL' : 'SQLite'} + Redis`,
    store: DATABASE_URL ? 'postgres' : 'sqlite',
    redis: true,
  });
}

const SITE: Client = { id: 'bench-site', secret: `site-${randomBytes(24).toString('hex')}` };
const MACHINE: Client = { id: 'bench-machine', secret: `machine-${randomBytes(24).toString('hex')}` };
const clientMetadata = [
  {
    client_id: SITE.id,
    client_secret: SITE.secret,
    first_party: true,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
  },
  {
    client_id: MACHINE.id,
    client_secret: MACHINE.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
];
// People who already have an account. Successful sign-ins never count against
// the brute-force guard, so a few accounts in turn are as realistic as many.
const people: Account[] = Array.from({ length: ACCOUNTS }, (_, index) => ({
  email: `bench.${index}@example.test`,
  password: `Bench-Password-${index}-${randomBytes(6).toString('hex')}`,
}));

type Row = {
  measure: string;
  ours: number;
  unit: string;
  reference?: { name: string; value: number };
  goal?: { text: string; met: boolean };
  latency?: { ours: Figure; reference?: Figure };
};

const hashing = loadIdpConfig(process.env).passwordHashing;
useHashParameters(hashing);
const began = performance.now();
const loadBefore = os.loadavg()[0]!;
const work = await mkdtemp(path.join(os.tmpdir(), 'passport-bench-'));
const running: Service[] = [];

async function service(script: string, env: Record<string, string>, health: string, nodeArgs: string[] = []) {
  const started = await startService(script, env, health, nodeArgs);
  running.push(started);
  return started;
}

async function stop(started: Service) {
  running.splice(running.indexOf(started), 1);
  await started.stop();
}

const ratioRow = (
  measure: string,
  ours: Figure,
  reference: { name: string; figure: Figure },
  goal?: number,
): Row => ({
  measure,
  ours: ours.perSecond,
  unit: '/s',
  reference: { name: reference.name, value: reference.figure.perSecond },
  goal:
    goal === undefined
      ? undefined
      : { text: `≥ ${goal.toFixed(2)}x`, met: ours.perSecond / reference.figure.perSecond >= goal },
  latency: { ours, reference: reference.figure },
});

async function measureShape(
  shape: Shape,
  floor: { target: Target; endpoints: Endpoints },
  hello: Target,
  argon2: Side,
  hashMs: number,
): Promise<Row[]> {
  const dataDir = await mkdtemp(path.join(work, 'idp-'));
  const postgres = shape.store === 'postgres' ? await createPostgresDatabase() : undefined;
  const redis = shape.redis ? redisSettings() : undefined;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    IDP_ISSUER: issuer,
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    IDP_CLIENTS: JSON.stringify(clientMetadata),
    // Nothing in these flows mails anyone; nothing listens there.
    SMTP_URL: 'smtp://127.0.0.1:9',
    LOG_LEVEL: IDP_LOG_LEVEL,
    // Empty is unset: the shape decides the stores, whatever the caller's environment holds.
    IDP_DATABASE_URL: postgres?.url ?? '',
    REDIS_URL: '',
    IDP_CLIENTS_FILE: '',
    IDP_METRICS_PORT: '',
    ...redis?.env,
  };
  const rows: Row[] = [];
  try {
    const first = await service('idp/main.ts', env, `${issuer}/healthz`);
    await addAccounts(env);
    const idp = new Target(issuer, LOAD.concurrency);
    const endpoints = await discoverEndpoints(idp);
    let nextPerson = 0;
    const person = () => people[nextPerson++ % people.length]!;

    console.error(`[${shape.label}] full logins`);
    const logins = await alternate(
      [
        { name: 'idp', operation: async () => void (await fullLogin(idp, endpoints, SITE, person())) },
        {
          name: 'floor',
          operation: async () => void (await fullLogin(floor.target, floor.endpoints, SITE, person())),
        },
        argon2,
      ],
      LOAD,
    );
    const login = logins.get('idp')!;
    rows.push(
      ratioRow(
        'full password logins',
        login,
        { name: 'bare oidc-provider', figure: logins.get('floor')! },
        0.9,
      ),
    );
    rows.push(
      ratioRow('full password logins', login, {
        name: 'argon2id verifies alone',
        figure: logins.get('argon2')!,
      }),
    );

    console.error(`[${shape.label}] client credentials`);
    const machine = await alternate(
      [
        { name: 'idp', operation: async () => void (await clientCredentialsGrant(idp, endpoints, MACHINE)) },
        {
          name: 'floor',
          operation: async () => void (await clientCredentialsGrant(floor.target, floor.endpoints, MACHINE)),
        },
      ],
      LOAD,
    );
    rows.push(
      ratioRow(
        'client-credentials grants',
        machine.get('idp')!,
        { name: 'bare oidc-provider', figure: machine.get('floor')! },
        0.5,
      ),
    );

    console.error(`[${shape.label}] refresh`);
    const refreshing = (target: Target, at: Endpoints, name: string): Side => {
      const chains: string[] = [];
      return {
        name,
        async prepare(workers) {
          for (let worker = 0; worker < workers; worker++) {
            const tokens = await fullLogin(target, at, SITE, person(), {
              scope: 'openid offline_access',
              prompt: 'consent',
            });
            if (!tokens.refresh_token) throw new Error(`${name}: no refresh token`);
            chains[worker] = tokens.refresh_token;
          }
        },
        async operation(worker) {
          chains[worker] = (await refreshGrant(target, at, SITE, chains[worker]!)).refresh_token!;
        },
      };
    };
    const refreshes = await alternate(
      [refreshing(idp, endpoints, 'idp'), refreshing(floor.target, floor.endpoints, 'floor')],
      LOAD,
    );
    rows.push(
      ratioRow(
        'refresh grants',
        refreshes.get('idp')!,
        { name: 'bare oidc-provider', figure: refreshes.get('floor')! },
        0.5,
      ),
    );

    console.error(`[${shape.label}] introspection`);
    const introspecting = (target: Target, at: Endpoints, name: string): Side => {
      let token = '';
      return {
        name,
        async prepare() {
          token = (await clientCredentialsGrant(target, at, MACHINE)).access_token;
        },
        operation: () => introspect(target, at, MACHINE, token),
      };
    };
    const introspections = await alternate(
      [introspecting(idp, endpoints, 'idp'), introspecting(floor.target, floor.endpoints, 'floor')],
      LOAD,
    );
    const introspection = introspections.get('idp')!;
    rows.push({
      ...ratioRow('introspection', introspection, {
        name: 'bare oidc-provider',
        figure: introspections.get('floor')!,
      }),
      goal:
        shape.store === 'sqlite' && !shape.redis
          ? { text: '≥ 5000/s', met: introspection.perSecond >= 5000 }
          : undefined,
    });

    console.error(`[${shape.label}] discovery and JWKS`);
    const jwksPath = new URL(
      (JSON.parse((await idp.ok('/.well-known/openid-configuration')).text) as { jwks_uri: string }).jwks_uri,
    ).pathname;
    const documents = await alternate(
      [
        {
          name: 'discovery',
          operation: async () => void (await idp.ok('/.well-known/openid-configuration')),
        },
        { name: 'jwks', operation: async () => void (await idp.ok(jwksPath)) },
        { name: 'hello', operation: async () => void (await hello.ok('/')) },
      ],
      LOAD,
    );
    const helloWorld = { name: 'bare fastify hello-world', figure: documents.get('hello')! };
    rows.push(ratioRow('discovery', documents.get('discovery')!, helloWorld, 0.7));
    rows.push(ratioRow('JWKS', documents.get('jwks')!, helloWorld, 0.7));
    await idp.close();
    await stop(first);

    const again = await service('idp/main.ts', env, `${issuer}/healthz`);
    await stop(again);
    rows.push(coldStartRow('IdP cold start, empty store (migrations, keys)', first.coldStartMs));
    rows.push(coldStartRow('IdP cold start, restart', again.coldStartMs));
    if (PROFILE) rows.push(...(await loginTimeByPart(env, issuer, person, hashMs)));
  } finally {
    for (const started of [...running].filter((item) => item !== floorService && item !== helloService)) {
      await stop(started);
    }
    await postgres?.drop();
    await redis?.forget();
    await rm(dataDir, { recursive: true, force: true });
  }

  console.error(`[${shape.label}] writes per login`);
  const writes = await countLoginWrites({ store: shape.store, redis: shape.redis });
  const total = totalWrites(writes);
  rows.push({
    measure: `row-changing statements per full login (${[...writes].map(([table, count]) => `${table} ${count}`).join(', ')})`,
    ours: total,
    unit: '',
    goal: { text: '≤ 8', met: total <= 8 },
  });

  console.error(`[${shape.label}] ${SESSIONS} stored sessions`);
  const stored = await measureStoredSessions({ store: shape.store, redis: shape.redis, count: SESSIONS });
  rows.push({
    measure: `bytes per stored session, ${shape.redis ? 'Redis' : shape.label} (over ${SESSIONS})`,
    ours: stored.storeBytesPerSession,
    unit: ' B',
    goal: { text: '≤ 2048 B', met: stored.storeBytesPerSession <= 2048 },
  });
  rows.push({ measure: 'bytes of one session as stored (JSON)', ours: stored.payloadBytes, unit: ' B' });
  rows.push({
    measure: `bytes per session in the IdP's heap (over ${SESSIONS})`,
    ours: stored.heapBytesPerSession,
    unit: ' B',
  });
  return rows;
}

/**
 * Logins against a second IdP on the same store, run with --cpu-prof: the
 * main thread's busy time per login by part, beside the argon2id verification
 * that runs on libuv's thread pool (measured alone, one at a time). The
 * profiler samples wall time, so on a loaded machine every part grows alike.
 */
async function loginTimeByPart(
  env: Record<string, string>,
  issuer: string,
  person: () => Account,
  hashMs: number,
): Promise<Row[]> {
  console.error('  profiling logins');
  const dir = await mkdtemp(path.join(work, 'profile-'));
  const profiled = await service('idp/main.ts', env, `${issuer}/healthz`, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
  ]);
  const idp = new Target(issuer, LOAD.concurrency);
  const endpoints = await discoverEndpoints(idp);
  const login: Side = {
    name: 'idp',
    operation: async () => void (await fullLogin(idp, endpoints, SITE, person())),
  };
  await alternate([login], { ...LOAD, rounds: 1, roundMs: LOAD.warmUpMs, warmUpMs: 0 });
  const from = Number(process.hrtime.bigint() / 1000n);
  const measured = await alternate([login], {
    ...LOAD,
    rounds: 1,
    roundMs: LOAD.rounds * LOAD.roundMs,
    warmUpMs: 0,
  });
  const to = Number(process.hrtime.bigint() / 1000n);
  await idp.close();
  await stop(profiled);
  const logins = measured.get('idp')!.operations;
  const { windowed, millis } = await profileByPart(dir, from, to);
  const busy = [...millis].filter(([part]) => part !== 'idle').sort(([, a], [, b]) => b - a);
  const busyTotal = busy.reduce((sum, [, ms]) => sum + ms, 0);
  const scope = windowed ? `${logins} logins` : `the whole process life, ${logins} logins`;
  return [
    { measure: 'one argon2id verification, alone (libuv thread pool)', ours: hashMs, unit: ' ms' },
    {
      measure: `IdP main-thread time per login, sampled (--cpu-prof over ${scope})`,
      ours: busyTotal / logins,
      unit: ' ms',
    },
    ...busy.map(([part, ms]) => ({
      measure: `  of which ${part} (${((ms / busyTotal) * 100).toFixed(0)} %)`,
      ours: ms / logins,
      unit: ' ms',
    })),
  ];
}

function coldStartRow(measure: string, ms: number): Row {
  return { measure, ours: ms, unit: ' ms', goal: { text: '< 1000 ms', met: ms < 1000 } };
}

/** The benchmark's people, written straight into the IdP's store as activated accounts. */
async function addAccounts(env: Record<string, string>) {
  const db = idpDatabase(loadIdpConfig(env));
  try {
    const now = Date.now();
    const answerHash = await hashSecret(normalizeAnswer('Lisbon'));
    for (const [index, person] of people.entries()) {
      await insertAccount(db, {
        id: `bench-${index}-${randomBytes(8).toString('hex')}`,
        email: person.email,
        email_key: emailKey(person.email),
        password_hash: await hashSecret(person.password),
        secret_question: 'Name of first pet',
        secret_answer_hash: answerHash,
        secret_answer_confirmed_at: now,
        first_name: 'Bench',
        last_name: `Person ${index}`,
        country: 'GB',
        postal_code: 'SW1A 1AA',
        language: 'en',
        created_at: now,
        updated_at: now,
      });
    }
  } finally {
    await db.destroy();
  }
}

const format = (value: number, unit: string) => {
  if (!Number.isFinite(value)) return '–';
  const digits = unit === '/s' || unit === ' ms' ? (value < 10 ? 2 : value < 100 ? 1 : 0) : 0;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit}`;
};
const latency = (figure?: Figure) =>
  figure ? `${figure.p50Ms.toFixed(1)} / ${figure.p99Ms.toFixed(1)} ms` : '';

/** A Markdown table padded as Biome formats one, so it can be pasted into the README as it is. */
function markdown(label: string, rows: Row[]): string {
  const header = ['measure', 'ours', 'reference', 'ratio', 'goal', 'ours p50 / p99', 'reference p50 / p99'];
  const rightAligned = [false, true, false, true, false, true, true];
  const cells = rows.map((row) => [
    row.measure,
    format(row.ours, row.unit),
    row.reference ? `${format(row.reference.value, row.unit)} ${row.reference.name}` : '',
    row.reference ? `${(row.ours / row.reference.value).toFixed(2)}x` : '',
    row.goal ? `${row.goal.text} ${row.goal.met ? 'met' : '**not met**'}` : '',
    latency(row.latency?.ours),
    latency(row.latency?.reference),
  ]);
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...cells.map((line) => line[column]!.length)),
  );
  const pad = (text: string, column: number) =>
    rightAligned[column] ? text.padStart(widths[column]!) : text.padEnd(widths[column]!);
  const line = (texts: string[]) => `| ${texts.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (rightAligned[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [`**${label}**`, '', line(header), rule, ...cells.map(line)].join('\n');
}

let floorService: Service | undefined;
let helloService: Service | undefined;
const results: { shape: string; rows: Row[] }[] = [];
let customerSource: Row[] = [];
try {
  const floorPort = await freePort();
  const floorIssuer = `http://127.0.0.1:${floorPort}`;
  floorService = await service(
    'bench/floor.ts',
    {
      FLOOR_ISSUER: floorIssuer,
      FLOOR_CLIENTS: JSON.stringify(clientMetadata.map(({ first_party: _, ...client }) => client)),
      FLOOR_ACCOUNTS: JSON.stringify(people),
    },
    `${floorIssuer}/healthz`,
  );
  const helloPort = await freePort();
  helloService = await service(
    'bench/hello.ts',
    { HELLO_PORT: String(helloPort) },
    `http://127.0.0.1:${helloPort}/healthz`,
  );
  const floorTarget = new Target(floorIssuer, LOAD.concurrency);
  const floor = { target: floorTarget, endpoints: await discoverEndpoints(floorTarget) };
  const hello = new Target(`http://127.0.0.1:${helloPort}`, LOAD.concurrency);

  const argon2Hash = await hashSecret(people[0]!.password);
  const argon2: Side = {
    name: 'argon2',
    async operation() {
      if (!(await verifySecret(argon2Hash, people[0]!.password))) throw new Error('argon2id verify failed');
    },
  };

  // One verification on an otherwise idle thread: what the hash alone adds to a login.
  const hashRuns: number[] = [];
  for (let run = 0; run < 15; run++) {
    const begun = performance.now();
    await argon2.operation(0);
    hashRuns.push(performance.now() - begun);
  }
  const hashMs = hashRuns.sort((a, b) => a - b)[Math.floor(hashRuns.length / 2)]!;

  for (const shape of shapes) {
    results.push({ shape: shape.label, rows: await measureShape(shape, floor, hello, argon2, hashMs) });
  }

  console.error('[CustomerSource] cold start');
  const rpPort = await freePort();
  const rpDir = await mkdtemp(path.join(work, 'rp-'));
  const rpEnv = {
    RP_URL: `http://127.0.0.1:${rpPort}`,
    HOST: '127.0.0.1',
    DATA_DIR: rpDir,
    RP_ISSUER: floorIssuer,
    RP_CLIENT_SECRET: randomBytes(24).toString('hex'),
    RP_DATABASE_URL: '',
    RP_METRICS_PORT: '',
    LOG_LEVEL: IDP_LOG_LEVEL,
  };
  const rpFirst = await service('relying-party/main.ts', rpEnv, `${rpEnv.RP_URL}/healthz`);
  await stop(rpFirst);
  const rpAgain = await service('relying-party/main.ts', rpEnv, `${rpEnv.RP_URL}/healthz`);
  await stop(rpAgain);
  customerSource = [
    coldStartRow('CustomerSource cold start, empty database (migrations)', rpFirst.coldStartMs),
    coldStartRow('CustomerSource cold start, restart', rpAgain.coldStartMs),
    {
      measure: 'bare oidc-provider (the floor) cold start, for reference',
      ours: floorService.coldStartMs,
      unit: ' ms',
    },
  ];
  await floorTarget.close();
  await hello.close();
} finally {
  for (const started of [...running]) await stop(started);
  await rm(work, { recursive: true, force: true });
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  /** One-minute load average at the start and the end: other work on the machine shows here. */
  loadAverage: [loadBefore, os.loadavg()[0]!],
};
const settings = {
  ...LOAD,
  sessions: SESSIONS,
  accounts: ACCOUNTS,
  idpLogLevel: IDP_LOG_LEVEL,
  argon2id: hashing,
};
const minutes = (performance.now() - began) / 60_000;
const report = [
  `Machine: ${machine.cpus} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAverage.map((load) => load.toFixed(1)).join(' at the start, ')} at the end.`,
  `Load: concurrency ${LOAD.concurrency}, ${LOAD.rounds} rounds of ${LOAD.roundMs / 1000} s per side, alternating, after ${LOAD.warmUpMs / 1000} s of warm-up; argon2id m=${hashing.memoryKib} KiB, t=${hashing.timeCost}, p=${hashing.parallelism}; IdP log level ${IDP_LOG_LEVEL}. Run took ${minutes.toFixed(1)} min.`,
  '',
  ...results.flatMap(({ shape, rows }) => [markdown(shape, rows), '']),
  markdown('CustomerSource', customerSource),
].join('\n');
console.log(report);
const resultsDir = path.join(import.meta.dirname, 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(
  path.join(resultsDir, 'latest.json'),
  `${JSON.stringify({ at: new Date().toISOString(), machine, settings, shapes: [...results, { shape: 'CustomerSource', rows: customerSource }] }, null, 2)}\n`,
);
console.error(`written to ${path.relative(process.cwd(), path.join(resultsDir, 'latest.json'))}`);
