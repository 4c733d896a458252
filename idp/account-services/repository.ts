import type { Transaction } from 'kysely';
import type { IdpDatabase, IdpTables } from '../database.ts';

type Executor = IdpDatabase | Transaction<IdpTables>;

/** What the account pages show: no hash of any secret. */
export function findSettings(db: Executor, accountId: string) {
  return db
    .selectFrom('accounts')
    .select([
      'id',
      'email',
      'email_key',
      'secret_question',
      'first_name',
      'last_name',
      'country',
      'postal_code',
      'street',
      'city',
      'region',
      'alternate_email',
      'alternate_email_verified_at',
      'security_key_set_at',
      'language',
    ])
    .where('id', '=', accountId)
    .executeTakeFirst();
}

export type AccountSettings = NonNullable<Awaited<ReturnType<typeof findSettings>>>;

export async function findPasswordHash(db: Executor, accountId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('accounts')
    .select('password_hash')
    .where('id', '=', accountId)
    .executeTakeFirst();
  return row?.password_hash;
}

export async function updateEmail(db: Executor, accountId: string, email: string, emailKey: string) {
  await db
    .updateTable('accounts')
    .set({ email, email_key: emailKey, updated_at: Date.now() })
    .where('id', '=', accountId)
    .execute();
}

/** A new alternate address starts unconfirmed; null removes it. */
export async function setAlternateEmail(db: Executor, accountId: string, email: string | null) {
  await db
    .updateTable('accounts')
    .set({ alternate_email: email, alternate_email_verified_at: null, updated_at: Date.now() })
    .where('id', '=', accountId)
    .execute();
}

/** Confirms the alternate address only if it is still the one the link was sent to. */
export async function confirmAlternateEmail(
  db: Executor,
  accountId: string,
  email: string,
): Promise<boolean> {
  const now = Date.now();
  const result = await db
    .updateTable('accounts')
    .set({ alternate_email_verified_at: now, updated_at: now })
    .where('id', '=', accountId)
    .where('alternate_email', '=', email)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function updateMailingAddress(
  db: Executor,
  accountId: string,
  address: {
    street: string | null;
    city: string | null;
    region: string | null;
    postalCode: string;
    country: string;
  },
) {
  await db
    .updateTable('accounts')
    .set({
      street: address.street,
      city: address.city,
      region: address.region,
      postal_code: address.postalCode,
      country: address.country,
      updated_at: Date.now(),
    })
    .where('id', '=', accountId)
    .execute();
}

export async function updatePersonalData(
  db: Executor,
  accountId: string,
  data: { firstName: string; lastName: string; country: string; postalCode: string; language?: string },
) {
  await db
    .updateTable('accounts')
    .set({
      first_name: data.firstName,
      last_name: data.lastName,
      country: data.country,
      postal_code: data.postalCode,
      ...(data.language ? { language: data.language } : {}),
      updated_at: Date.now(),
    })
    .where('id', '=', accountId)
    .execute();
}

export async function updateSecretQuestion(
  db: Executor,
  accountId: string,
  question: string,
  answerHash: string,
) {
  await db
    .updateTable('accounts')
    // Set by whoever holds the password, not proved by the owner of the address: see recovery.
    .set({
      secret_question: question,
      secret_answer_hash: answerHash,
      secret_answer_confirmed_at: null,
      updated_at: Date.now(),
    })
    .where('id', '=', accountId)
    .execute();
}
