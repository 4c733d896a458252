import type Provider from 'oidc-provider';
import { backchannelLogoutTries } from '../../shared/observability/metrics.ts';
import { startPolling } from '../../shared/queue/polling.ts';
import {
  DEFAULT_RETRY_SCHEDULE,
  type RetrySchedule,
  retryDelayMs,
} from '../../shared/queue/retry-schedule.ts';
import type { IdpDatabase } from '../database.ts';
import { sendLogoutNow } from './queue-hook.ts';
import { claimLogout, type DueLogout, dueLogouts, markDelivered, recordFailedTry } from './repository.ts';

const BATCH_SIZE = 20;
// Far beyond oidc-provider's 2.5 s limit on the post: a claim never lapses
// while its try is still running, so no other copy sends it meanwhile.
const CLAIM_MS = 60_000;

export type LogoutWorkerLog = Record<'info' | 'warn' | 'error', (details: object, message?: string) => void>;

export type LogoutWorkerOptions = {
  db: IdpDatabase;
  provider: Provider;
  log: LogoutWorkerLog;
  /** Tries in all before giving up. */
  maxAttempts: number;
  retrySchedule?: RetrySchedule;
  pollMs?: number;
};

export type LogoutWorker = {
  /** Tries what is due now; resolves with the number of logouts this worker delivered. */
  deliverDue(): Promise<number>;
  wake(): void;
  stop(): Promise<void>;
};

/**
 * Delivers queued back-channel logouts. The token is signed at each try rather
 * than once at sign-out: sites accept only a recent `iat` (the extranet two
 * minutes), a stored token would be a live credential at rest, and a retry
 * after a key rotation is signed with a key the site can still fetch.
 */
export function startLogoutWorker(options: LogoutWorkerOptions): LogoutWorker {
  const { db, provider, log, maxAttempts } = options;
  const retrySchedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;

  async function deliverOnce(): Promise<number> {
    const due = await dueLogouts(db, BATCH_SIZE);
    // Side by side: one site that hangs must not hold back the others' logouts.
    const delivered = await Promise.all(
      due.map(async (logout) => (await claimLogout(db, logout.id, CLAIM_MS)) && (await deliver(logout))),
    );
    return delivered.filter(Boolean).length;
  }

  async function deliver(logout: DueLogout): Promise<boolean> {
    let outcome: Awaited<ReturnType<typeof sendLogoutNow>>;
    try {
      outcome = await sendLogoutNow(provider, {
        clientId: logout.client_id,
        accountId: logout.account_id,
        sid: logout.sid ?? undefined,
      });
    } catch (error) {
      await recordFailure(logout, describe(error), false);
      return false;
    }
    if (outcome === 'site_gone') {
      await recordFailure(logout, 'the site is gone or no longer takes back-channel logouts', true);
      return false;
    }
    await markDelivered(db, logout.id);
    backchannelLogoutTries.inc({ outcome: 'delivered' });
    log.info({ logoutId: logout.id, clientId: logout.client_id }, 'back-channel logout delivered');
    return true;
  }

  async function recordFailure(logout: DueLogout, reason: string, final: boolean): Promise<void> {
    const attempts = logout.attempts + 1;
    const now = Date.now();
    if (final || attempts >= maxAttempts) {
      await recordFailedTry(db, logout.id, { reason, nextAttemptAt: null }, now);
      backchannelLogoutTries.inc({ outcome: 'given_up' });
      log.error(
        { logoutId: logout.id, clientId: logout.client_id, attempts, reason },
        'back-channel logout given up: the site may keep the session',
      );
      return;
    }
    const nextAttemptAt = now + retryDelayMs(retrySchedule, attempts, now - logout.created_at);
    await recordFailedTry(db, logout.id, { reason, nextAttemptAt }, now);
    backchannelLogoutTries.inc({ outcome: 'failed' });
    log.warn(
      {
        logoutId: logout.id,
        clientId: logout.client_id,
        attempts,
        nextAttemptAt: new Date(nextAttemptAt).toISOString(),
        reason,
      },
      'back-channel logout not delivered, will retry',
    );
  }

  const polling = startPolling(deliverOnce, {
    pollMs: options.pollMs ?? 1000,
    onError: (error) => log.error({ err: error }, 'back-channel logout delivery failed'),
  });
  return { deliverDue: polling.runDue, wake: polling.wake, stop: polling.stop };
}

/** fetch hides the network cause (refused, reset, timed out) one level down. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message}: ${detail}` : error.message;
}
