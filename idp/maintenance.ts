import type { IdpDatabase } from './database.ts';
import { sweepExpiredModels } from './oidc/adapter.ts';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Expired rows are already unusable; the sweep only reclaims space. Spent and
 * expired mail tokens are kept a week so a late click still says "already
 * used" or "expired" instead of "not valid".
 */
export async function sweepExpired(db: IdpDatabase, sweepBotCheck: () => Promise<void>, now = Date.now()) {
  await sweepExpiredModels(db, now);
  await db
    .deleteFrom('email_tokens')
    .where('expires_at', '<=', now - WEEK_MS)
    .execute();
  await sweepBotCheck();
}

export function scheduleSweeps(run: () => Promise<void>, everyMs: number, onError: (error: unknown) => void) {
  const timer = setInterval(() => run().catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
