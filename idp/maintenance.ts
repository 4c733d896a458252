import { sweepOutbox } from '../shared/mail/outbox.ts';
import { sweepActivity } from './activity/repository.ts';
import { sweepLogouts } from './backchannel/repository.ts';
import type { IdpDatabase } from './database.ts';
import type { ShortLivedStore } from './state/short-lived-store.ts';
import { sweepTrustedDevices } from './throttling/repository.ts';
import { DEVICE_TRUST_MS } from './throttling/trusted-devices.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;
/** The owner sees 90 days of activity; nothing older is kept. */
const ACTIVITY_KEPT_MS = 90 * DAY_MS;

/**
 * Expired rows are already unusable; the sweep only reclaims space. Spent and
 * expired mail tokens are kept a week so a late click still says "already
 * used" or "expired" instead of "not valid"; sent and given-up mail and
 * back-channel logouts a week for the operator to look into.
 */
export async function sweepExpired(db: IdpDatabase, shortLived: ShortLivedStore, now = Date.now()) {
  await shortLived.sweep(now);
  await db
    .deleteFrom('email_tokens')
    .where((eb) => eb.or([eb('expires_at', '<=', now - WEEK_MS), eb('consumed_at', '<=', now - WEEK_MS)]))
    .execute();
  await sweepOutbox(db, WEEK_MS, now);
  await sweepLogouts(db, WEEK_MS, now);
  await shortLived.counters.sweep(DAY_MS, now);
  await sweepActivity(db, now - ACTIVITY_KEPT_MS);
  await sweepTrustedDevices(db, now - DEVICE_TRUST_MS);
  await shortLived.spentProofs.sweep();
}

export function scheduleSweeps(run: () => Promise<void>, everyMs: number, onError: (error: unknown) => void) {
  const timer = setInterval(() => run().catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
