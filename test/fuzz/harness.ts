import { createHash } from 'node:crypto';
import { get } from 'node:http';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { HttpSession } from '../helpers/http-session.ts';

/**
 * A running service under fuzz: where it answers, and the store a refused
 * request must leave as it found it.
 */
export type FuzzService = {
  name: string;
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: every service's schema is compared the same way, table by table.
  db: Kysely<any>;
  /** Tables a refusal writes by design (a failure counter, the owner's activity), each with why. */
  refusalRecords: Record<string, string>;
  /** Work queues a worker empties after the answer: a refusal may only add no row. */
  queues?: Record<string, string>;
  /** Tables that background workers rewrite at any moment (delivery marks): only their row count is compared. */
  countOnly?: Record<string, string>;
  /** Rows left out of the comparison: those every page view rewrites, those a refusal writes by design. */
  churn?: Record<string, { column: string; values: string[]; why: string }>;
};

/** Where a request goes, with the cookies and values a real page gave: the fuzzer mutates from here. */
export type Prepared = {
  url: string;
  browser?: HttpSession;
  /** The form's (or endpoint's) values as the real page would send them. */
  values: Record<string, string>;
  /** Headers the real client sends (client authentication, a bearer token). */
  headers?: Record<string, string>;
};

export type FuzzTarget = {
  name: string;
  service: FuzzService;
  method: 'GET' | 'POST';
  /** How the real client sends the fields: a web form, a query string, or a JSON document. */
  carrier: 'form' | 'query' | 'json';
  /** The field names the real form or endpoint takes, besides those `prepare` fills. */
  fields: readonly string[];
  /** Values likely to matter for this target, mixed into the generic ones. */
  values?: fc.Arbitrary<string>;
  /** A fresh starting point for one input; expensive parts (an account, a session) are kept by the target. */
  prepare(): Promise<Prepared>;
};

// What a field becomes in one generated request.
type FieldOp =
  | { op: 'keep' }
  | { op: 'drop' }
  | { op: 'set'; value: string }
  | { op: 'typed'; value: unknown }
  | { op: 'repeat'; values: string[] }
  | { op: 'bracket'; key: string; value: string }
  | { op: 'raw'; bytes: string };

type Encoding =
  | { kind: 'carrier' }
  | { kind: 'json' }
  | { kind: 'content-type'; type: string }
  | { kind: 'raw-tail'; bytes: string }
  | { kind: 'no-body' };

export type FuzzInput = {
  fields: Record<string, FieldOp>;
  /** One field (by its place among the fields) set to a long run of one character. */
  big?: { field: number; unit: string; length: number };
  extra: [string, string][];
  encoding: Encoding;
};

const MEGABYTE = 1024 * 1024;

/** Strings that have broken parsers, validators, templates and databases before. */
const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFF',
  '\uFFFD',
  '\uFEFF',
  '\uFFFF',
  '\u202Egnp.exe',
  '\u2066a\u2069',
  '\u200F',
  '\u061C',
  'a\u2028b',
  'a\r\nb',
  '\t',
  'e\u0301\u0301\u0301\u0301',
  'Z\u0351\u0324\u0357\u0300\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '😀👩‍👩‍👧‍👦',
  '\u{10FFFF}',
  'İı',
  'ß',
  'ﬃ',
  'Ａ＠ｅｘａｍｐｌｅ．ｔｅｓｔ',
  'a@b',
  'a@example.test',
  '"a b"@example.test',
  'a@[127.0.0.1]',
  '@',
  '%',
  '%00',
  '%ZZ',
  '+',
  '&',
  '=',
  '../../etc/passwd',
  "' OR '1'='1",
  '"; DROP TABLE accounts; --',
  '<script>alert(1)</script>',
  '<%= it %>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the value under test.
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'toString',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'NaN',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  '0x7fffffff',
  'javascript:alert(1)',
  'http://127.0.0.1:9/',
  'https://evil.example/',
  '//evil.example',
  'data:text/html,x',
  'eyJhbGciOiJub25lIn0.e30.',
  'a'.repeat(255),
  'a'.repeat(4097),
] as const;

/** Bytes that are not valid UTF-8 or not valid percent-encoding, written into the body as they are. */
const RAW_BYTES = [
  '%',
  '%G0',
  '%F',
  '%FF%FE',
  '%C3%28',
  '%ED%A0%80',
  '%C0%AF',
  '%F4%90%80%80',
  '\xFF\xFE',
  '\xC3\x28',
  '\xED\xA0\x80',
  '\x00',
] as const;

const CONTENT_TYPES = [
  'text/plain',
  'application/json',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/jwt',
  'x/x',
  '',
] as const;

// One field at a time is made big (several would all hit the body limit): a megabyte, and just under the 64 kB limit.
const BIG_UNITS = ['x', 'é', '😀', '%', ' '] as const;
const BIG_LENGTHS = [MEGABYTE, 60 * 1024, 4097] as const;

/** One field's generated value: edge cases, any code units, the target's own vocabulary. */
export function fieldValue(extra?: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: extra ? 4 : 0, arbitrary: extra ?? fc.constant('') },
  );
}

const FIELD_NAMES = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'a[b]', '', '%', '\u0000', 'id', 'uid', 'account'),
  fc.string({ maxLength: 10 }),
);

function fieldOp(values: fc.Arbitrary<string>): fc.Arbitrary<FieldOp> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant({ op: 'keep' as const }) },
    { weight: 2, arbitrary: fc.constant({ op: 'drop' as const }) },
    { weight: 6, arbitrary: values.map((value) => ({ op: 'set' as const, value })) },
    {
      weight: 1,
      arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => ({ op: 'typed' as const, value })),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(values, { minLength: 1, maxLength: 3 })
        .map((more) => ({ op: 'repeat' as const, values: more })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ key: fc.constantFrom('', '0', 'a', '__proto__'), value: values })
        .map(({ key, value }) => ({ op: 'bracket' as const, key, value })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...RAW_BYTES).map((bytes) => ({ op: 'raw' as const, bytes })),
    },
  );
}

/** Generated requests for one target: each field kept, dropped, replaced, repeated or mistyped, and the body's form. */
export function fuzzInput(target: Pick<FuzzTarget, 'fields' | 'values'>, names: readonly string[]) {
  const values = fieldValue(target.values);
  const everyField = fc.record(Object.fromEntries(names.map((name) => [name, fieldOp(values)])));
  // Half the inputs change one field and keep the page's others, so a value gets past the
  // other fields' checks into the rules and the store behind them.
  const keepAll = Object.fromEntries(names.map((name) => [name, { op: 'keep' as const }]));
  const oneField = fc
    .record({ name: fc.constantFrom(...(names.length > 0 ? names : [''])), op: fieldOp(values) })
    .map(({ name, op }) => (name ? { ...keepAll, [name]: op } : keepAll));
  return fc.record({
    fields: fc.oneof(everyField, oneField) as fc.Arbitrary<Record<string, FieldOp>>,
    big: fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.record({
          field: fc.nat(Math.max(names.length - 1, 0)),
          unit: fc.constantFrom(...BIG_UNITS),
          length: fc.constantFrom(...BIG_LENGTHS),
        }),
      },
    ),
    extra: fc.array(fc.tuple(FIELD_NAMES, values), { maxLength: 2 }),
    encoding: fc.oneof(
      { weight: 12, arbitrary: fc.constant({ kind: 'carrier' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'json' as const }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...CONTENT_TYPES).map((type) => ({ kind: 'content-type' as const, type })),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...RAW_BYTES).map((bytes) => ({ kind: 'raw-tail' as const, bytes })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'no-body' as const }) },
    ),
  }) as fc.Arbitrary<FuzzInput>;
}

/** The pairs a form or query string carries, in order; values not from the generator are the page's. */
function pairs(input: FuzzInput, values: Record<string, string>): [string, string, 'raw'?][] {
  const out: [string, string, 'raw'?][] = [];
  for (const [name, op] of Object.entries(input.fields)) {
    const own = values[name];
    switch (op.op) {
      case 'keep':
        if (own !== undefined) out.push([name, own]);
        break;
      case 'drop':
        break;
      case 'set':
        out.push([name, op.value]);
        break;
      case 'typed':
        out.push([name, JSON.stringify(op.value)]);
        break;
      case 'repeat':
        if (own !== undefined) out.push([name, own]);
        for (const value of op.values) out.push([name, value]);
        break;
      case 'bracket':
        out.push([`${name}[${op.key}]`, op.value]);
        break;
      case 'raw':
        out.push([name, op.bytes, 'raw']);
        break;
    }
  }
  for (const [name, value] of input.extra) out.push([name, value]);
  return out;
}

function urlEncoded(list: [string, string, 'raw'?][]): Buffer {
  const parts = list.map(([name, value, raw]) => {
    const key = encodeURIComponent(name.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
    // A lone surrogate cannot be percent-encoded as UTF-8: it goes as the bytes a broken encoder writes.
    const encoded = raw ? value : encodeLenient(value);
    return `${key}=${encoded}`;
  });
  return Buffer.from(parts.join('&'), 'latin1');
}

/** Percent-encodes UTF-8 like a browser, and a lone surrogate as its three CESU-8 bytes (invalid UTF-8). */
function encodeLenient(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

function jsonDocument(input: FuzzInput, values: Record<string, string>): Buffer {
  const document: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(input.fields)) {
    const own = values[name];
    // A page value that is a JSON array or object (client metadata's lists) goes as one.
    if (op.op === 'keep' && own !== undefined) document[name] = /^[[{]/.test(own) ? JSON.parse(own) : own;
    else if (op.op === 'set') document[name] = op.value;
    else if (op.op === 'typed') document[name] = op.value;
    else if (op.op === 'repeat') document[name] = [own, ...op.values];
    else if (op.op === 'bracket') document[name] = { [op.key]: op.value };
    else if (op.op === 'raw') document[name] = op.bytes;
  }
  for (const [name, value] of input.extra) document[name] = value;
  return Buffer.from(JSON.stringify(document), 'utf8');
}

type Built = { url: string; method: string; headers: Record<string, string>; body?: Buffer };

function build(target: FuzzTarget, prepared: Prepared, input: FuzzInput): Built {
  const headers: Record<string, string> = { ...prepared.headers };
  const list = pairs(input, prepared.values);
  // Path segments (a mailed link's token, a record's id) are fields too: `{token}` in the URL is `path:token`.
  let address = prepared.url;
  for (const [placeholder, name] of prepared.url.matchAll(/\{(\w+)\}/g)) {
    const value = list.find(([field]) => field === `path:${name}`);
    const segment = value ? (value[2] ? value[1] : encodeLenient(value[1])) : '';
    address = address.replace(placeholder, segment);
  }
  const url = new URL(address);
  // Header fields (a bearer token, client authentication) are fuzzed like any other.
  for (const name of Object.keys(prepared.headers ?? {})) {
    const op = input.fields[`header:${name}`];
    if (!op || op.op === 'keep') continue;
    if (op.op === 'drop') delete headers[name];
    else if (op.op === 'set') headers[name] = op.value;
    else if (op.op === 'repeat') headers[name] = [headers[name], ...op.values].join(', ');
  }
  const bodyFields = list.filter(([name]) => !name.startsWith('header:') && !name.startsWith('path:'));
  let body: Buffer | undefined;
  if (target.carrier === 'query' && input.encoding.kind === 'carrier') {
    url.search = urlEncoded(bodyFields).toString('latin1');
  } else {
    const carrier = target.carrier === 'query' ? 'form' : target.carrier;
    const asForm = () => urlEncoded(bodyFields);
    const asJson = () => jsonDocument(input, prepared.values);
    switch (input.encoding.kind) {
      case 'carrier':
        body = carrier === 'json' ? asJson() : asForm();
        headers['content-type'] =
          carrier === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
        break;
      case 'json':
        body = asJson();
        headers['content-type'] = 'application/json';
        break;
      case 'content-type':
        body = carrier === 'json' ? asJson() : asForm();
        if (input.encoding.type) headers['content-type'] = input.encoding.type;
        break;
      case 'raw-tail':
        body = Buffer.concat([asForm(), Buffer.from(`&${input.encoding.bytes}`, 'latin1')]);
        headers['content-type'] = 'application/x-www-form-urlencoded';
        break;
      case 'no-body':
        break;
    }
  }
  const method = target.method === 'GET' && body ? 'POST' : target.method;
  // Browsers name the origin of every form they post; oidc-provider's back channel has none.
  if (method === 'POST' && target.carrier === 'form' && target.service.url === url.origin) {
    headers.origin = url.origin;
  }
  return { url: url.href, method, headers, body };
}

/** A digest of each watched table, so a refusal that wrote anything shows which table it wrote. */
const tablesOf = new WeakMap<object, Promise<{ name: string }[]>>();

export async function snapshot(service: FuzzService): Promise<Record<string, string>> {
  // The schema does not change while the fuzzer runs: it is read once per database.
  if (!tablesOf.has(service.db)) tablesOf.set(service.db, service.db.introspection.getTables());
  const tables = await tablesOf.get(service.db)!;
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (name in service.refusalRecords || name.startsWith('kysely_')) continue;
    const churn = service.churn?.[name];
    if (service.countOnly && name in service.countOnly) {
      let count = service.db.selectFrom(name).select((eb) => eb.fn.countAll().as('n'));
      if (churn) count = count.where(churn.column, 'not in', churn.values);
      const row = await count.executeTakeFirstOrThrow();
      out[name] = `${row.n} rows`;
      continue;
    }
    let query = service.db.selectFrom(name).selectAll();
    if (churn) query = query.where(churn.column, 'not in', churn.values);
    const rows = (await query.execute()).map((row) => JSON.stringify(row, plainValue)).sort();
    if (service.queues && name in service.queues) {
      out[name] =
        `${QUEUE}${JSON.stringify(rows.map((row) => createHash('sha256').update(row).digest('hex')))}`;
      continue;
    }
    out[name] =
      `${rows.length} rows ${createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return out;
}

function plainValue(_key: string, value: unknown) {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

const QUEUE = 'queue:';

function changedTables(before: Record<string, string>, after: Record<string, string>) {
  const added = (table: string) => {
    const was = new Set(JSON.parse(before[table]!.slice(QUEUE.length)) as string[]);
    const now = JSON.parse(after[table]!.slice(QUEUE.length)) as string[];
    return now.some((row) => !was.has(row));
  };
  return Object.keys({ ...before, ...after })
    .filter((table) =>
      before[table]?.startsWith(QUEUE) && after[table]?.startsWith(QUEUE)
        ? added(table)
        : before[table] !== after[table],
    )
    .map((table) => `${table} (${before[table] ?? 'absent'} -> ${after[table] ?? 'absent'})`);
}

/**
 * Asked on a connection of its own: a keep-alive socket the server rightly closed
 * after a refused 1 MB body must not pass for a service that stopped answering.
 */
export function answersHealthz(service: FuzzService): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(`${service.url}/healthz`, { agent: false, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
      response.on('error', () => resolve(false));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** What one input did: the status (or how the connection ended) and, if an oracle failed, why. */
type Outcome = { status: string; problem?: string };

async function exercise(target: FuzzTarget, input: FuzzInput): Promise<Outcome> {
  const prepared = await target.prepare();
  const built = build(target, prepared, input);
  const before = await snapshot(target.service);
  let response: Response;
  try {
    const init: RequestInit = {
      method: built.method,
      headers: built.headers,
      body: built.body ? new Uint8Array(built.body) : undefined,
      signal: AbortSignal.timeout(30_000),
    };
    response = prepared.browser
      ? await prepared.browser.request(built.url, init)
      : await fetch(built.url, { ...init, redirect: 'manual' });
    await response.arrayBuffer();
  } catch (error) {
    // A header fetch will not send (a line break in a bearer token) tests nothing on the server.
    if (error instanceof TypeError && !(error.cause instanceof Error && 'code' in error.cause)) {
      return { status: 'unsendable' };
    }
    if (await answersHealthz(target.service)) return { status: 'connection closed' };
    return { status: 'crash', problem: `the service stopped answering /healthz (${String(error)})` };
  }
  const status = String(response.status);
  if (response.status >= 500) return { status, problem: `answered ${response.status}` };
  if (response.status >= 400) {
    const changed = changedTables(before, await snapshot(target.service));
    if (changed.length > 0) return { status, problem: `a ${status} stored: ${changed.join(', ')}` };
  }
  return { status };
}

export type TargetReport = {
  target: string;
  /** The status of the page's own values, unchanged. */
  baseline: string;
  inputs: number;
  statuses: Record<string, number>;
  failure?: { problem: string; counterexample: string; seed: number };
};

/** Sends `runs` generated inputs to one target; a failing input is shrunk to a small one and reported. */
export async function fuzzTarget(
  target: FuzzTarget,
  options: { runs: number; seed?: number; verbose?: boolean },
): Promise<TargetReport> {
  const statuses: Record<string, number> = {};
  let inputs = 0;
  const prepared = await target.prepare();
  const names = [
    ...new Set([
      ...target.fields,
      ...Object.keys(prepared.values),
      ...Object.keys(prepared.headers ?? {}).map((name) => `header:${name}`),
    ]),
  ];
  // The page's own values first: its status shows the target still reaches its form (not a 404 or an expired step).
  const untouched: FuzzInput = {
    fields: Object.fromEntries(names.map((name) => [name, { op: 'keep' }])),
    extra: [],
    encoding: { kind: 'carrier' },
  };
  const baseline = await exercise(target, untouched);
  const property = fc.asyncProperty(fuzzInput(target, names), async (input) => {
    inputs++;
    const outcome = await exercise(target, withBigField(input, names)).catch((error: unknown) => {
      // Getting the page failed: the cause says whether our service or the harness did.
      const cause = error instanceof Error && error.cause ? ` (${String(error.cause)})` : '';
      return { status: 'preparation failed', problem: `${String(error)}${cause}` };
    });
    statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
    if (options.verbose) console.log(`  ${outcome.status} ${describeInput(input, names)}`);
    if (outcome.problem) throw new Error(outcome.problem);
  });
  // Each target draws its own inputs from the run's seed, so similar forms are not sent the same sequence
  // and one target replays alone (FUZZ_ONLY) exactly as it ran among the others.
  const base = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const details = await fc.check(property, { numRuns: options.runs, seed: seedFor(base, target.name) });
  const report: TargetReport = { target: target.name, baseline: baseline.status, inputs, statuses };
  if (baseline.problem) {
    report.failure = {
      problem: baseline.problem,
      counterexample: describeInput(untouched),
      seed: base,
    };
  }
  if (details.failed) {
    report.failure ??= {
      problem:
        details.errorInstance instanceof Error
          ? details.errorInstance.message
          : String(details.errorInstance),
      counterexample: describeInput(details.counterexample?.[0] as FuzzInput | undefined, names),
      seed: base,
    };
  }
  if (!(await answersHealthz(target.service))) {
    report.failure ??= {
      problem: 'the service stopped answering /healthz',
      counterexample: '',
      seed: base,
    };
  }
  return report;
}

function seedFor(base: number, name: string): number {
  const digest = createHash('sha256').update(`${base}:${name}`).digest();
  return digest.readInt32LE(0);
}

function withBigField(input: FuzzInput, names: readonly string[]): FuzzInput {
  const name = input.big && names[input.big.field];
  if (!input.big || !name) return input;
  const value = input.big.unit.repeat(Math.ceil(input.big.length / input.big.unit.length));
  return { ...input, fields: { ...input.fields, [name]: { op: 'set', value } } };
}

/** A readable input: generated values only (a page's own values, secrets included, are named, not shown). */
export function describeInput(input: FuzzInput | undefined, names: readonly string[] = []): string {
  if (!input) return '';
  const show = (value: unknown) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return text.length > 120
      ? `${JSON.stringify(text.slice(0, 40))}… (${text.length} chars)`
      : JSON.stringify(text);
  };
  const fields = Object.entries(input.fields)
    .filter(([, op]) => op.op !== 'keep')
    .map(([name, op]) => {
      switch (op.op) {
        case 'drop':
          return `${name}: missing`;
        case 'set':
          return `${name}=${show(op.value)}`;
        case 'typed':
          return `${name}=${show(op.value)} (JSON)`;
        case 'repeat':
          return `${name} repeated with ${op.values.map(show).join(', ')}`;
        case 'bracket':
          return `${name}[${op.key}]=${show(op.value)}`;
        case 'raw':
          return `${name}=raw ${JSON.stringify(op.bytes)}`;
        default:
          return name;
      }
    });
  const big = input.big
    ? [
        `${names[input.big.field] ?? `field #${input.big.field}`}=${JSON.stringify(input.big.unit)} × ${input.big.length}`,
      ]
    : [];
  const extra = input.extra.map(([name, value]) => `extra ${show(name)}=${show(value)}`);
  const encoding =
    input.encoding.kind === 'carrier'
      ? []
      : [
          `body: ${input.encoding.kind}${'type' in input.encoding ? ` ${JSON.stringify(input.encoding.type)}` : ''}${'bytes' in input.encoding ? ` ${JSON.stringify(input.encoding.bytes)}` : ''}`,
        ];
  return [...fields, ...big, ...extra, ...encoding].join('; ') || 'the page’s own values';
}

/** One line per target: inputs, statuses, and the shrunk counterexample of a failure. */
export function formatReport(reports: TargetReport[]): string {
  const lines = reports.map((report) => {
    const statuses = Object.entries(report.statuses)
      .sort()
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
    const head = `${report.failure ? 'FAIL' : 'ok  '} ${report.target}: as sent by its page ${report.baseline}; ${report.inputs} inputs: ${statuses}`;
    if (!report.failure) return head;
    const { problem, counterexample, seed } = report.failure;
    const replay = `FUZZ_ONLY=${JSON.stringify(report.target.replace(/^\S+ /, ''))} FUZZ_SEED=${seed}`;
    return `${head}\n     ${problem}\n     input: ${counterexample}\n     replay: ${replay}`;
  });
  const total = reports.reduce((sum, report) => sum + report.inputs, 0);
  const failed = reports.filter((report) => report.failure).length;
  return `${lines.join('\n')}\n${total} inputs over ${reports.length} targets, ${failed} failing`;
}
