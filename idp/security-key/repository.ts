import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';

type Executor = IdpDatabase | Transaction<IdpTables>;

/** What the security key rules need to know about an account. */
export async function findSecurityKeyAccount(db: Executor, accountId: string) {
  const row = await db
    .selectFrom('accounts')
    .select([
      'id',
      'email',
      'alternate_email',
      'alternate_email_verified_at',
      'password_hash',
      'security_key_hash',
      'security_questions',
      'security_answer_hashes',
      'security_key_set_at',
      'language',
    ])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!row) return undefined;
  const questions = parseStrings(row.security_questions);
  const answerHashes = parseStrings(row.security_answer_hashes);
  const key =
    row.security_key_hash && questions.length === 3 && answerHashes.length === 3
      ? { keyHash: row.security_key_hash, questions, answerHashes, setAt: row.security_key_set_at }
      : undefined;
  // Where news of a changed key goes: every address the owner has proved to hold.
  const verifiedEmails =
    row.alternate_email && row.alternate_email_verified_at !== null
      ? [row.email, row.alternate_email]
      : [row.email];
  return {
    id: row.id,
    email: row.email,
    verifiedEmails,
    passwordHash: row.password_hash,
    key,
    language: row.language,
  };
}

export type SecurityKeyAccount = NonNullable<Awaited<ReturnType<typeof findSecurityKeyAccount>>>;

export async function attachSecurityKey(
  db: Executor,
  accountId: string,
  key: { keyHash: string; questions: string[]; answerHashes: string[] },
  at: number,
): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      security_key_hash: key.keyHash,
      security_questions: JSON.stringify(key.questions),
      security_answer_hashes: JSON.stringify(key.answerHashes),
      security_key_set_at: at,
      updated_at: at,
    })
    .where('id', '=', accountId)
    .execute();
}

/** A reset keeps the questions and answers the owner just proved. */
export async function replaceSecurityKeyHash(
  db: Executor,
  accountId: string,
  keyHash: string,
  at: number,
): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ security_key_hash: keyHash, security_key_set_at: at, updated_at: at })
    .where('id', '=', accountId)
    .execute();
}

/**
 * A step of a security key change that is not finished yet (a set-up waiting
 * for its answers to be confirmed, a reset whose answers were proved). It is
 * kept with oidc-provider's artifacts: it expires and is swept with them, and
 * it goes when the account's sessions are ended.
 */
const PENDING_KIND = 'PendingSecurityKey';

export async function savePendingStep(
  db: Executor,
  id: string,
  accountId: string,
  payload: object,
  expiresAt: number,
): Promise<void> {
  const row = { payload: JSON.stringify(payload), account_id: accountId, expires_at: expiresAt };
  await db
    .insertInto('oidc_models')
    .values({ kind: PENDING_KIND, id, grant_id: null, user_code: null, uid: null, consumed_at: null, ...row })
    .onConflict((conflict) => conflict.columns(['kind', 'id']).doUpdateSet(row))
    .execute();
}

export async function findPendingStep(db: Executor, id: string, accountId: string, now = Date.now()) {
  const row = await db
    .selectFrom('oidc_models')
    .select(['payload', 'expires_at'])
    .where('kind', '=', PENDING_KIND)
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row || (row.expires_at !== null && row.expires_at <= now)) return undefined;
  return { payload: JSON.parse(row.payload) as unknown, expiresAt: row.expires_at ?? now };
}

/** True when this call removed the step: of two concurrent finishes only one wins. */
export async function deletePendingStep(db: Executor, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('oidc_models')
    .where('kind', '=', PENDING_KIND)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

function parseStrings(json: string | null): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}
