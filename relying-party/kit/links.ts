import { hashMailToken, looksLikeMailToken, newMailToken } from '../../shared/security/mail-token.ts';
import type { KitDatabase } from './tables.ts';

/**
 * Mailed single-use links, whatever a site mails them for: 32 random bytes in
 * the link, only their SHA-256 in the store, an expiry, and one conditional
 * write to spend one. `purpose` keeps one kind of link from opening another
 * kind's page. Pass `kitDatabase(db or transaction)` so the link is written in
 * the same transaction as the mail that carries it.
 */

export type Identity = { issuer: string; subject: string };

export type MailedLink = {
  purpose: string;
  targetId: string;
  /** The identity that asked for the link, when only that one may use it. */
  boundTo: Identity | null;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  /** `usable`, or why not: spent once already, or past its expiry. */
  state: 'usable' | 'spent' | 'expired';
};

/** Stores a link and returns the raw token for the mail; the store never sees it. */
export async function issueLink(
  db: KitDatabase,
  link: { purpose: string; targetId: string; boundTo?: Identity | null; ttlMs: number },
  now = Date.now(),
): Promise<string> {
  const { token, hash } = newMailToken();
  await db
    .insertInto('mailed_links')
    .values({
      token_hash: hash,
      purpose: link.purpose,
      target_id: link.targetId,
      bound_issuer: link.boundTo?.issuer ?? null,
      bound_subject: link.boundTo?.subject ?? null,
      created_at: now,
      expires_at: now + link.ttlMs,
      consumed_at: null,
    })
    .execute();
  return token;
}

/** What a link names, and whether it can still be used; undefined for anything that is not one of ours. */
export async function readLink(
  db: KitDatabase,
  purpose: string,
  token: unknown,
  now = Date.now(),
): Promise<MailedLink | undefined> {
  if (!looksLikeMailToken(token)) return undefined;
  const row = await db
    .selectFrom('mailed_links')
    .selectAll()
    .where('token_hash', '=', hashMailToken(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    purpose: row.purpose,
    targetId: row.target_id,
    boundTo:
      row.bound_issuer !== null && row.bound_subject !== null
        ? { issuer: row.bound_issuer, subject: row.bound_subject }
        : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
    state: row.consumed_at !== null ? 'spent' : row.expires_at <= now ? 'expired' : 'usable',
  };
}

/**
 * Spends a link if it is still unused and unexpired: the condition is in the
 * UPDATE, so of two requests racing with one link exactly one gets true.
 * Call it inside the transaction that does what the link is for.
 */
export async function spendLink(
  db: KitDatabase,
  purpose: string,
  token: unknown,
  now = Date.now(),
): Promise<boolean> {
  if (!looksLikeMailToken(token)) return false;
  const result = await db
    .updateTable('mailed_links')
    .set({ consumed_at: now })
    .where('token_hash', '=', hashMailToken(token))
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Spends every unused link of a purpose for one target (a new invite replaces the old ones). */
export async function withdrawLinks(db: KitDatabase, purpose: string, targetId: string, now = Date.now()) {
  await db
    .updateTable('mailed_links')
    .set({ consumed_at: now })
    .where('purpose', '=', purpose)
    .where('target_id', '=', targetId)
    .where('consumed_at', 'is', null)
    .execute();
}

/** Links that expired or were spent before `before`; kept until then so a late click still says why. */
export async function sweepLinks(db: KitDatabase, before: number): Promise<void> {
  await db
    .deleteFrom('mailed_links')
    .where((eb) => eb.or([eb('expires_at', '<=', before), eb('consumed_at', '<=', before)]))
    .execute();
}
