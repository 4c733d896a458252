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

function parseStrings(json: string | null): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}
