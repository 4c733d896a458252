import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import client from 'prom-client';
import type { SharedTables } from '../db/tables.ts';

/**
 * The process's metrics live in prom-client's default registry: each capability
 * declares its own counters here or in its own module, and the metrics listener
 * serves them all. Labels are route patterns and fixed words only, never a URL,
 * an address or an account: no token or person can reach a metric.
 */
export const metricsRegistry = client.register;

// A module evaluated twice in one process (a test runner's isolation) finds its metric already there.
function counter<L extends string>(config: client.CounterConfiguration<L>): client.Counter<L> {
  return (metricsRegistry.getSingleMetric(config.name) as client.Counter<L>) ?? new client.Counter(config);
}

function gauge<L extends string>(config: client.GaugeConfiguration<L>): client.Gauge<L> {
  return (metricsRegistry.getSingleMetric(config.name) as client.Gauge<L>) ?? new client.Gauge(config);
}

function histogram<L extends string>(config: client.HistogramConfiguration<L>): client.Histogram<L> {
  return (
    (metricsRegistry.getSingleMetric(config.name) as client.Histogram<L>) ?? new client.Histogram(config)
  );
}

export const httpRequests = counter({
  name: 'http_requests_total',
  help: 'Requests answered, by service, method, route pattern and status.',
  labelNames: ['service', 'method', 'route', 'status'],
});

export const httpRequestDuration = histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer a request, by service, method and route pattern.',
  labelNames: ['service', 'method', 'route'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const signIns = counter({
  name: 'idp_sign_ins_total',
  help: 'Sign-in steps passed, by step: password, security_key.',
  labelNames: ['step'],
});

export const signInFailures = counter({
  name: 'idp_sign_in_failures_total',
  help: 'Sign-in steps refused, by step and reason: invalid_credentials, throttled, bot_check_required.',
  labelNames: ['step', 'reason'],
});

export const throttleHits = counter({
  name: 'throttle_hits_total',
  help: 'Tries refused by a limit before their secret or request was looked at, by service, limit and answer.',
  labelNames: ['service', 'limit', 'answer'],
});

export const tokensIssued = counter({
  name: 'idp_tokens_issued_total',
  help: 'Token endpoint grants that issued tokens, by grant type.',
  labelNames: ['grant'],
});

export const oidcErrors = counter({
  name: 'idp_oidc_errors_total',
  help: "oidc-provider's error events, by event and OAuth error code.",
  labelNames: ['event', 'error'],
});

/**
 * Every try at a back-channel logout by its outcome: `delivered`, `failed` (to be
 * tried again) or `given_up` (after the last try; the site's session outlives
 * the person's sign-out, so this is worth an alert).
 */
export const backchannelLogoutTries = counter({
  name: 'idp_backchannel_logout_tries_total',
  help: 'Back-channel logout tries by outcome (delivered, failed and retried, given_up after the last try).',
  labelNames: ['outcome'],
});

export const associationMails = counter({
  name: 'extranet_association_mails_total',
  help: 'Association and invite mails queued, by kind.',
  labelNames: ['kind'],
});

/**
 * Request count and latency by route pattern. onResponse sees every answer:
 * refused hosts, 404s, errors, and the hijacked replies of oidc-provider's routes.
 */
export function measureRequests(app: FastifyInstance, service: string): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(no route)';
    httpRequests.inc({ service, method: request.method, route, status: String(reply.statusCode) });
    httpRequestDuration.observe({ service, method: request.method, route }, reply.elapsedTime / 1000);
  });
}

const outboxes = new Map<string, Kysely<SharedTables>>();

async function unsentMail(db: Kysely<SharedTables>) {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [eb.fn.countAll<number | string>().as('backlog'), eb.fn.min('created_at').as('oldest')])
    .where('sent_at', 'is', null)
    .executeTakeFirst();
  return { backlog: Number(row?.backlog ?? 0), oldest: row?.oldest == null ? undefined : Number(row.oldest) };
}

/** A scrape reads each watched outbox; a store that does not answer leaves its gauge out. */
async function readOutboxes(read: (service: string, mail: Awaited<ReturnType<typeof unsentMail>>) => void) {
  await Promise.all(
    [...outboxes].map(async ([service, db]) => {
      try {
        read(service, await unsentMail(db));
      } catch {
        // /readyz reports the store; a metric must not fail the whole scrape.
      }
    }),
  );
}

gauge({
  name: 'outbox_backlog',
  help: 'Mails in the outbox not yet delivered, by service.',
  labelNames: ['service'],
  async collect() {
    this.reset();
    await readOutboxes((service, mail) => this.set({ service }, mail.backlog));
  },
});

gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'Age of the oldest undelivered mail, by service (0 when none waits).',
  labelNames: ['service'],
  async collect() {
    this.reset();
    await readOutboxes((service, mail) =>
      this.set({ service }, mail.oldest === undefined ? 0 : (Date.now() - mail.oldest) / 1000),
    );
  },
});

/** Measures a service's outbox until the returned function is called. */
export function watchOutbox<Schema extends SharedTables>(service: string, db: Kysely<Schema>): () => void {
  outboxes.set(service, db as unknown as Kysely<SharedTables>);
  return () => {
    if (outboxes.get(service) === (db as unknown)) outboxes.delete(service);
  };
}

const pools = new Map<string, pg.Pool>();

gauge({
  name: 'db_pool_connections',
  help: 'PostgreSQL pool connections, by service and state: total, idle, waiting (requests queued for one).',
  labelNames: ['service', 'state'],
  collect() {
    this.reset();
    for (const [service, pool] of pools) {
      if (pool.ended) {
        pools.delete(service);
        continue;
      }
      this.set({ service, state: 'total' }, pool.totalCount);
      this.set({ service, state: 'idle' }, pool.idleCount);
      this.set({ service, state: 'waiting' }, pool.waitingCount);
    }
  },
});

/** Measures a service's PostgreSQL pool until the pool ends. */
export function watchPool(service: string, pool: pg.Pool): void {
  pools.set(service, pool);
}

let defaultMetricsOn = false;

/**
 * Serves /metrics on its own listener, so the public port never shows them and
 * a firewall can keep this port to the monitoring network.
 */
export async function startMetricsListener(options: { host: string; port: number }) {
  if (!defaultMetricsOn) {
    client.collectDefaultMetrics();
    defaultMetricsOn = true;
  }
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    metricsRegistry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type MetricsListener = Awaited<ReturnType<typeof startMetricsListener>>;
