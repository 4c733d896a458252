import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';

type Executor = IdpDatabase | Transaction<IdpTables>;

const RECOVERY_COLUMNS = [
  'id',
  'email',
  'email_key',
  'alternate_email',
  'alternate_email_verified_at',
  'secret_question',
  'secret_answer_hash',
  'secret_answer_confirmed_at',
  'recovery_locked_until',
  'language',
] as const;

/** What either way back into an account needs to know about it. */
export function findRecoveryAccountByEmailKey(db: Executor, emailKey: string) {
  return db
    .selectFrom('accounts')
    .select(RECOVERY_COLUMNS)
    .where('email_key', '=', emailKey)
    .executeTakeFirst();
}

export function findRecoveryAccountById(db: Executor, id: string) {
  return db.selectFrom('accounts').select(RECOVERY_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export type RecoveryAccount = NonNullable<Awaited<ReturnType<typeof findRecoveryAccountById>>>;

/**
 * What the owner of a mailbox did not confirm goes when that mailbox resets the
 * password: an unconfirmed alternate address, and a secret answer set by
 * whoever held the password. An account without an answer has no question.
 */
export async function dropUnconfirmedRecoveryData(db: Executor, accountId: string) {
  await db
    .updateTable('accounts')
    .set({ alternate_email: null })
    .where('id', '=', accountId)
    .where('alternate_email_verified_at', 'is', null)
    .execute();
  await dropSecretAnswer(db, accountId, { onlyUnconfirmed: true });
}

/** No question, no answer: the answer way is closed until the owner chooses a new one. */
export async function dropSecretAnswer(
  db: Executor,
  accountId: string,
  options = { onlyUnconfirmed: false },
) {
  let update = db
    .updateTable('accounts')
    .set({ secret_question: '', secret_answer_hash: '', updated_at: Date.now() })
    .where('id', '=', accountId);
  if (options.onlyUnconfirmed) update = update.where('secret_answer_confirmed_at', 'is', null);
  await update.execute();
}

/** The addresses as they were at a reset, for "this was not me" to put back. */
export type AddressesAtReset = {
  email: string;
  emailKey: string;
  alternateEmail: string | null;
  alternateEmailVerifiedAt: number | null;
};

export async function restoreAddresses(db: Executor, accountId: string, addresses: AddressesAtReset) {
  await db
    .updateTable('accounts')
    .set({
      email: addresses.email,
      email_key: addresses.emailKey,
      alternate_email: addresses.alternateEmail,
      alternate_email_verified_at: addresses.alternateEmailVerifiedAt,
      updated_at: Date.now(),
    })
    .where('id', '=', accountId)
    .execute();
}

export async function lockRecovery(db: Executor, accountId: string, until: number) {
  await db
    .updateTable('accounts')
    .set({ recovery_locked_until: until })
    .where('id', '=', accountId)
    .execute();
}
