import type { Generated, Kysely } from 'kysely';
import type { CounterTables, SecretTables, SharedTables } from '../shared/db/tables.ts';

export interface OidcModelTable {
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
  account_id: string | null;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  private_jwk: string;
  created_at: number;
  retired_at: number | null;
  /** The rotation period in which this key signs; null for keys made before periods. */
  slot: number | null;
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
  alternate_email: string | null;
  alternate_email_verified_at: number | null;
  street: string | null;
  city: string | null;
  region: string | null;
  security_key_hash: string | null;
  /** JSON array of the three questions, in order. */
  security_questions: string | null;
  /** JSON array of the three answer hashes, in the questions' order. */
  security_answer_hashes: string | null;
  security_key_set_at: number | null;
  password_changed_at: number | null;
  /** Until then no reset works: the owner said a reset was not theirs. */
  recovery_locked_until: number | null;
  /** Null when the secret answer was set by whoever held the password, not by the owner of the address. */
  secret_answer_confirmed_at: number | null;
  /** Set by an operator (admin CLI): no sign-in while it is. */
  locked_at: number | null;
  /** The language of the account's mails and pages when no other choice is known (`en`, `pt-BR`). */
  language: Generated<string>;
}

export interface ActivityTable {
  id: string;
  account_id: string;
  kind: string;
  success: number;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
  at: number;
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

/** A site a person was signed in to: when first, and (to the day) when last. */
export interface SiteUseTable {
  account_id: string;
  client_id: string;
  first_used_at: number;
  last_used_at: number;
}

/** A browser that signed in to an account: the server-issued device id, hashed. */
export interface TrustedDeviceTable {
  id_hash: string;
  account_id: string;
  created_at: number;
  last_used_at: number;
  /** When the security key was last typed right in this browser: only then is it trusted for the key. */
  key_proved_at: number | null;
}

/** A back-channel logout owed to a site: who and which session, never the signed token. */
export interface BackchannelLogoutTable {
  id: string;
  client_id: string;
  account_id: string;
  sid: string | null;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  delivered_at: number | null;
  gave_up_at: number | null;
  last_error: string | null;
}

export interface IdpTables extends SharedTables, CounterTables, SecretTables {
  oidc_models: OidcModelTable;
  signing_keys: SigningKeyTable;
  accounts: AccountTable;
  email_tokens: EmailTokenTable;
  consents: ConsentTable;
  site_uses: SiteUseTable;
  activity: ActivityTable;
  trusted_devices: TrustedDeviceTable;
  backchannel_logouts: BackchannelLogoutTable;
}

export type IdpDatabase = Kysely<IdpTables>;
