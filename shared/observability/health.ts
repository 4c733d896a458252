import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { FileMigrationProvider, Migrator } from 'kysely/migration';

/** Probes come from load balancers and orchestrators with their own Host: the host check lets them through. */
export const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/** A named dependency the service cannot answer without; it throws when not usable. */
export type ReadinessCheck = () => Promise<void>;

export type HealthOptions = {
  /** Each is one line: `redis: () => redis.ping()` adds a store. */
  checks: Record<string, ReadinessCheck>;
  /** A check that has not answered by then counts as failed, so the probe answers in time. */
  deadlineMs: number;
};

class CheckTimedOut extends Error {
  override name = 'CheckTimedOut';
}

/**
 * /healthz: the process answers. /readyz: every check passes, so a balancer
 * sends traffic only to copies whose stores answer. Both say only ok or failed:
 * the causes go to the log, not to whoever can reach the public port.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthOptions) {
  // Probes every few seconds would drown the request log.
  const quiet = { logLevel: 'warn' as const };

  app.get('/healthz', quiet, async (_request, reply) =>
    reply.type('application/json').send({ status: 'ok' }),
  );

  app.get('/readyz', quiet, async (request, reply) => {
    const results = await Promise.all(
      Object.entries(options.checks).map(async ([name, check]) => {
        try {
          await withDeadline(check(), options.deadlineMs);
          return [name, 'ok'] as const;
        } catch (error) {
          request.log.warn({ check: name, err: error }, 'readiness check failed');
          return [name, 'failed'] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === 'ok');
    return reply
      .code(ready ? 200 : 503)
      .type('application/json')
      .send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CheckTimedOut(`no answer within ${ms} ms`)), ms);
  });
  // A check that fails after its deadline has nobody left to tell.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The store answers a statement. */
export function databaseAnswers<Schema>(db: Kysely<Schema>): ReadinessCheck {
  return async () => {
    await sql`select 1`.execute(db);
  };
}

/**
 * Every migration this code knows has run: a copy started with newer code
 * against a schema not yet migrated is not ready.
 */
export function migrationsCurrent<Schema>(db: Kysely<Schema>, folder: string): ReadinessCheck {
  const migrator = new Migrator({
    // biome-ignore lint/suspicious/noExplicitAny: kysely's Migrator is declared over Kysely<any>.
    db: db as unknown as Kysely<any>,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
  });
  return async () => {
    const pending = (await migrator.getMigrations()).filter((migration) => !migration.executedAt);
    if (pending.length > 0) {
      throw new Error(`migrations not applied: ${pending.map((migration) => migration.name).join(', ')}`);
    }
  };
}
