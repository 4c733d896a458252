import type { Transaction } from 'kysely';
import type { AccountTable, IdpDatabase, IdpTables } from '../database.ts';

type Executor = IdpDatabase | Transaction<IdpTables>;

export function findCredentialsByEmailKey(db: Executor, emailKey: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'password_hash', 'locked_at', 'language'])
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

/**
 * The same password under new hash parameters. Only over the hash that was
 * verified: a password changed meanwhile wins, and the password's age stays.
 */
export async function replacePasswordHash(
  db: Executor,
  accountId: string,
  verified: string,
  rehashed: string,
) {
  await db
    .updateTable('accounts')
    .set({ password_hash: rehashed })
    .where('id', '=', accountId)
    .where('password_hash', '=', verified)
    .execute();
}

/** Locks or unlocks in one conditional write: false when the account was already so (or is unknown). */
export async function setLocked(db: Executor, accountId: string, locked: boolean, now = Date.now()) {
  const result = await db
    .updateTable('accounts')
    .set({ locked_at: locked ? now : null, updated_at: now })
    .where('id', '=', accountId)
    .where('locked_at', locked ? 'is' : 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
