import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';

type Executor = IdpDatabase | Transaction<IdpTables>;

const RECOVERY_COLUMNS = [
  'id',
  'email',
  'alternate_email',
  'alternate_email_verified_at',
  'secret_question',
  'secret_answer_hash',
  'country',
  'postal_code',
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
