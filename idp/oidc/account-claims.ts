import type { Account } from 'oidc-provider';
import { findAccountById } from '../accounts/repository.ts';
import type { IdpDatabase } from '../database.ts';

/** What a site learns about a person, by scope. `sub` is the opaque id, never the e-mail. */
export async function findAccountClaims(db: IdpDatabase, sub: string): Promise<Account | undefined> {
  const account = await findAccountById(db, sub);
  if (!account) return undefined;
  return {
    accountId: account.id,
    claims: () => ({
      sub: account.id,
      email: account.email,
      email_verified: true,
      name: `${account.first_name} ${account.last_name}`.trim(),
      given_name: account.first_name,
      family_name: account.last_name,
      updated_at: Math.floor(account.updated_at / 1000),
      // The language the person chose for their Passport (BCP 47), so a site can greet them in it.
      locale: account.language,
      address: { country: account.country, postal_code: account.postal_code },
    }),
  };
}
