import type { FastifyBaseLogger } from 'fastify';

/** Below docker-compose's stop_grace_period (30 s), so the process ends itself before it is killed. */
export const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * SIGTERM (an orchestrator stopping a copy) or SIGINT: stop taking requests,
 * let those in flight finish, stop the workers, close the store, exit 0.
 * `close` does the work in that order; past the deadline, or on a second
 * signal, the process exits 1 rather than hang a rolling restart.
 */
export function exitOnSignals(
  service: { close(): Promise<void> },
  log: FastifyBaseLogger,
  deadlineMs = SHUTDOWN_DEADLINE_MS,
) {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        log.warn({ signal }, 'second signal during shutdown: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'shutting down: finishing requests in flight');
      setTimeout(() => {
        log.error({ deadlineMs }, 'shutdown did not finish in time: exiting');
        process.exit(1);
      }, deadlineMs).unref();
      service.close().then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
