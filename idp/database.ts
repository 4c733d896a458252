import type { Kysely } from 'kysely';
import type { SharedTables } from '../shared/db/tables.ts';

export interface OidcModelTable {
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  private_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface SecretTable {
  name: string;
  value: string;
  created_at: number;
}

export interface AccountTable {
  id: string;
  email: string;
  email_key: string;
  password_hash: string;
  secret_question: string;
  secret_answer_hash: string;
  first_name: string;
  last_name: string;
  country: string;
  postal_code: string;
  created_at: number;
  updated_at: number;
}

export interface EmailTokenTable {
  token_hash: string;
  purpose: string;
  email_key: string;
  account_id: string | null;
  payload: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface ConsentTable {
  account_id: string;
  client_id: string;
  scopes: string;
  claims: string;
  updated_at: number;
}

export interface IdpTables extends SharedTables {
  oidc_models: OidcModelTable;
  signing_keys: SigningKeyTable;
  secrets: SecretTable;
  accounts: AccountTable;
  email_tokens: EmailTokenTable;
  consents: ConsentTable;
}

export type IdpDatabase = Kysely<IdpTables>;
