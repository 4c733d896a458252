import { sweepCounters } from '../shared/db/window-counters.ts';
import { sweepOutbox } from '../shared/mail/outbox.ts';
import { sweepSessions } from './auth/sessions.ts';
import type { RelyingPartyDatabase } from './database.ts';
import { sweepAssociationTokens } from './linking/tokens.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;

/**
 * Expired rows are already unusable; the sweep only reclaims space. Spent and
 * expired association links are kept a week so a late click still says
 * "already used" or "expired"; sent and given-up mail a week for the operator.
 */
export async function sweepExpired(db: RelyingPartyDatabase, now = Date.now()): Promise<void> {
  await sweepSessions(db, now);
  await sweepCounters(db, DAY_MS, now);
  await sweepAssociationTokens(db, now - WEEK_MS);
  await sweepOutbox(db, WEEK_MS, now);
}
