import type { Transaction } from 'kysely';
import { LinkExpired, LinkInvalid, LinkUsed } from '../../shared/http/errors.ts';
import { hashMailToken, looksLikeMailToken, newMailToken } from '../../shared/security/mail-token.ts';
import type { IdpDatabase, IdpTables } from '../database.ts';

type Executor = IdpDatabase | Transaction<IdpTables>;

export type TokenPurpose =
  | 'activate'
  | 'password-reset'
  | 'password-reset-disowned'
  | 'email-change'
  | 'alternate-email';

export async function issueEmailToken(
  db: Executor,
  token: {
    purpose: TokenPurpose;
    emailKey: string;
    accountId: string | null;
    payload: unknown;
    ttlMs: number;
  },
): Promise<string> {
  const { token: raw, hash } = newMailToken();
  const now = Date.now();
  await db
    .insertInto('email_tokens')
    .values({
      token_hash: hash,
      purpose: token.purpose,
      email_key: token.emailKey,
      account_id: token.accountId,
      payload: JSON.stringify(token.payload),
      created_at: now,
      expires_at: now + token.ttlMs,
      consumed_at: null,
    })
    .execute();
  return raw;
}

/** Reads a token without spending it (the page that asks "activate?" shows before any change). */
export async function peekEmailToken(db: Executor, purpose: TokenPurpose, raw: unknown) {
  if (!looksLikeMailToken(raw)) throw new LinkInvalid();
  const row = await db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', hashMailToken(raw))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) throw new LinkInvalid();
  if (row.consumed_at !== null) throw new LinkUsed();
  if (row.expires_at <= Date.now()) throw new LinkExpired();
  return row;
}

/** The address a link was spent for, when it was spent; nothing for a link unknown or still valid. */
export async function spentEmailTokenKey(db: Executor, purpose: TokenPurpose, raw: unknown) {
  if (!looksLikeMailToken(raw)) return undefined;
  const row = await db
    .selectFrom('email_tokens')
    .select('email_key')
    .where('token_hash', '=', hashMailToken(raw))
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is not', null)
    .executeTakeFirst();
  return row?.email_key;
}

/**
 * Spends a token. The conditional update is the single-use guarantee: of two
 * concurrent requests only one changes the row. Call it inside the transaction
 * that applies the token's effect, so both happen or neither.
 */
export async function consumeEmailToken(tx: Transaction<IdpTables>, purpose: TokenPurpose, raw: unknown) {
  const row = await peekEmailToken(tx, purpose, raw);
  const now = Date.now();
  const spent = await tx
    .updateTable('email_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', row.token_hash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1) throw new LinkUsed();
  return { ...row, payload: JSON.parse(row.payload) as unknown };
}

/**
 * Drops the account's links that are still unspent, so a link mailed before a
 * password change or a "sign out everywhere" cannot change the account after it.
 */
export async function dropPendingTokens(db: Executor, accountId: string, purposes: readonly TokenPurpose[]) {
  await db
    .deleteFrom('email_tokens')
    .where('account_id', '=', accountId)
    .where('purpose', 'in', purposes)
    .where('consumed_at', 'is', null)
    .execute();
}

/** Drops the unspent sign-ups of an address, once one of them has become its account. */
export async function dropPendingSignUps(db: Executor, emailKey: string) {
  await db
    .deleteFrom('email_tokens')
    .where('purpose', '=', 'activate')
    .where('email_key', '=', emailKey)
    .where('consumed_at', 'is', null)
    .execute();
}
