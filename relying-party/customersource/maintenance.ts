import { sweepKit } from '../kit/site.ts';
import type { RelyingPartyDatabase } from './database.ts';
import { sweepAssociationTokens } from './linking/tokens.ts';

/** Spent and expired association links are kept a week so a late click still says "already used" or "expired". */
export const ASSOCIATION_LINK_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Expired rows are already unusable; the sweep only reclaims space: the kit's tables, then CustomerSource's. */
export async function sweepExpired(db: RelyingPartyDatabase, now = Date.now()): Promise<void> {
  await sweepKit(db, now);
  await sweepAssociationTokens(db, now - ASSOCIATION_LINK_RETENTION_MS);
}
