import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };

/** Where a script belongs in a login's time, by the file its code comes from. */
const PARTS: [string, RegExp][] = [
  ['argon2id (its main-thread part)', /node_modules\/argon2\//],
  [
    'SQL and the store (kysely, drivers, repositories)',
    /node_modules\/(kysely|better-sqlite3|pg|pg-pool|pg-protocol|pg-types|ioredis|redis-parser)\/|\/(repository|database-store|redis-store|adapter|window-counters|counters|spent-proofs|connect)\.ts$/,
  ],
  ['rendering (eta, views)', /node_modules\/(eta|@fastify\/view)\/|\/views\//],
  ['logging (pino)', /node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact)\//],
  [
    'oidc-provider (koa, jose, our provider glue)',
    /node_modules\/(oidc-provider|koa|koa-compose|@koa|jose|quick-lru|raw-body|co-body|http-errors|cookies|keygrip)\/|\/idp\/oidc\//,
  ],
  [
    'fastify (routing, cookies, forms, headers)',
    /node_modules\/(fastify|@fastify|find-my-way|avvio|fast-json-stringify|secure-json-parse|fastq|light-my-request|toad-cache|fast-querystring|process-warning|abstract-logging)\//,
  ],
  ['i18n and forms (i18next, zod)', /node_modules\/(i18next|i18next-icu|intl-messageformat|@formatjs|zod)\//],
  ['other libraries', /\/node_modules\//],
  ['our code (idp/, shared/)', /\/(idp|shared)\//],
  ['Node.js internals', /^node:|^internal\//],
];

function partOf(url: string): string | undefined {
  if (url === '') return undefined;
  return PARTS.find(([, pattern]) => pattern.test(url))?.[0] ?? 'Node.js internals';
}

/**
 * Main-thread busy time by part, from the .cpuprofile that `node --cpu-prof`
 * wrote into `dir`, counting only samples inside [fromMicros, toMicros] of the
 * monotonic clock when any fall there (the load window, not the start-up).
 * Native frames (a statement running in better-sqlite3, a hash being queued)
 * count for the nearest caller that has a script.
 */
export async function profileByPart(dir: string, fromMicros: number, toMicros: number) {
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile in ${dir}`);
  const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const parts = new Map<number, string>();
  function part(id: number): string {
    const known = parts.get(id);
    if (known) return known;
    const { functionName, url } = nodes.get(id)!.callFrame;
    let found: string;
    if (functionName === '(idle)') found = 'idle';
    else if (functionName === '(garbage collector)') found = 'garbage collection';
    else if (functionName === '(program)') found = 'V8 and native code (program)';
    else {
      const parent = parents.get(id);
      found = partOf(url) ?? (parent === undefined ? 'Node.js internals' : part(parent));
    }
    parts.set(id, found);
    return found;
  }

  const times: number[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) {
    at += delta;
    times.push(at);
  }
  const inWindow = times.some((time) => time >= fromMicros && time <= toMicros);
  const micros = new Map<string, number>();
  for (let index = 0; index < profile.samples.length; index++) {
    if (inWindow && (times[index]! < fromMicros || times[index]! > toMicros)) continue;
    const sampleMicros = profile.timeDeltas[index + 1] ?? 0;
    const name = part(profile.samples[index]!);
    micros.set(name, (micros.get(name) ?? 0) + sampleMicros);
  }
  return { windowed: inWindow, millis: new Map([...micros].map(([name, value]) => [name, value / 1000])) };
}
