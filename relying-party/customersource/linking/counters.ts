import { createHash } from 'node:crypto';
import { countInWindow } from '../../../shared/db/window-counters.ts';
import type { RelyingPartyDatabase } from '../database.ts';

export type RequestLimit = { name: string; max: number; windowMs: number };

/** True while `subject` stays within `limit`; the request is counted either way. */
export async function withinLimit(
  db: RelyingPartyDatabase,
  limit: RequestLimit,
  subject: string,
  now = Date.now(),
): Promise<boolean> {
  // Hashed: the table must not become a list of every address anyone typed.
  const key = `${limit.name}:${createHash('sha256').update(subject).digest('base64url')}`;
  return (await countInWindow(db, key, limit.windowMs, now)) <= limit.max;
}
