import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';

export type ActivityKind =
  | 'sign-in'
  | 'security-key'
  | 'password-reset'
  | 'password-change'
  | 'email-change'
  | 'alternate-email-change'
  | 'secret-answer-change'
  | 'security-key-change'
  | 'profile-change'
  | 'sign-out-everywhere'
  | 'site-withdrawn'
  | 'lockout';

export type ActivityEntry = {
  accountId: string;
  kind: ActivityKind;
  success: boolean;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: string | null;
};

export async function recordActivity(
  db: IdpDatabase | Transaction<IdpTables>,
  entry: ActivityEntry,
  at = Date.now(),
) {
  await db
    .insertInto('activity')
    .values({
      id: randomUUID(),
      account_id: entry.accountId,
      kind: entry.kind,
      success: entry.success ? 1 : 0,
      client_id: entry.clientId ?? null,
      ip: entry.ip ?? null,
      // A user agent is the browser's to choose; keep what a person needs to recognise it.
      user_agent: entry.userAgent?.slice(0, 300) ?? null,
      detail: entry.detail ?? null,
      at,
    })
    .execute();
}

export function listActivity(db: IdpDatabase, accountId: string, since: number) {
  return db
    .selectFrom('activity')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .limit(500)
    .execute();
}

export async function sweepActivity(db: IdpDatabase, olderThan: number): Promise<void> {
  await db.deleteFrom('activity').where('at', '<', olderThan).execute();
}
