import type { Transaction } from 'kysely';
import type { AccountTable, IdpDatabase, IdpTables } from '../database.ts';

type Executor = IdpDatabase | Transaction<IdpTables>;

export function findCredentialsByEmailKey(db: Executor, emailKey: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'password_hash', 'language'])
    .where('email_key', '=', emailKey)
    .executeTakeFirst();
}

export async function emailKeyExists(db: Executor, emailKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('email_key', '=', emailKey)
    .executeTakeFirst();
  return row !== undefined;
}

/** The language an address's Passport reads its mail in, if the address has one. */
export async function languageOfEmailKey(db: Executor, emailKey: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('accounts')
    .select('language')
    .where('email_key', '=', emailKey)
    .executeTakeFirst();
  return row?.language;
}

export function findAccountById(db: Executor, id: string) {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findAccountEmails(db: Executor, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('accounts').select(['id', 'email']).where('id', 'in', ids).execute();
}

/** What sign-up knows; everything else about an account starts empty. */
export type NewAccount = { language: string } & Pick<
  AccountTable,
  | 'id'
  | 'email'
  | 'email_key'
  | 'password_hash'
  | 'secret_question'
  | 'secret_answer_hash'
  | 'secret_answer_confirmed_at'
  | 'first_name'
  | 'last_name'
  | 'country'
  | 'postal_code'
  | 'created_at'
  | 'updated_at'
>;

export async function insertAccount(db: Executor, account: NewAccount): Promise<void> {
  await db.insertInto('accounts').values(account).execute();
}

/** A new password, whichever way it came (reset, change): the one place it is written. */
export async function setPassword(db: Executor, accountId: string, passwordHash: string, now = Date.now()) {
  await db
    .updateTable('accounts')
    .set({ password_hash: passwordHash, password_changed_at: now, updated_at: now })
    .where('id', '=', accountId)
    .execute();
}
