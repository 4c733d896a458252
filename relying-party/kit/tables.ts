import type { Kysely, Transaction } from 'kysely';
import type { CounterTables, SecretTables, SharedTables } from '../../shared/db/tables.ts';

/** A signed-in browser: the cookie holds a random id, the store only its hash. */
export interface SessionTable {
  id_hash: string;
  issuer: string;
  subject: string;
  /** The IdP's session id (the ID token's `sid`): a back-channel logout names it. */
  idp_sid: string | null;
  id_token: string;
  /** When the person last proved who they are at the IdP (the ID token's auth_time). */
  authenticated_at: number;
  /** The level the IdP vouched for (the ID token's acr). */
  acr: string | null;
  /** The ID token's `email` and `name` claims at sign-in, for a site to suggest; never an identity. */
  email: string | null;
  name: string | null;
  created_at: number;
  expires_at: number;
}

export interface LogoutTokenSeenTable {
  jti: string;
  expires_at: number;
}

/** A role a site knows (its migrations insert them); the label is a catalogue key. */
export interface RoleTable {
  key: string;
  label_key: string;
}

/** What a role may do: one row per right (`members.invite`). */
export interface RoleRightTable {
  role_key: string;
  right: string;
}

/**
 * A member's role in an organization. `scope` narrows it (a location id for a
 * Location administrator); '' is the whole organization. Members and
 * organizations are the site's own tables; these rows name them by id.
 */
export interface MemberRoleTable {
  member_id: string;
  organization_id: string;
  role_key: string;
  scope: string;
  granted_by: string | null;
  granted_at: number;
}

/** A mailed single-use link: only the SHA-256 of its token is kept. */
export interface MailedLinkTable {
  token_hash: string;
  /** What the link is for (a site's word: `association`, `invite`, `join`). */
  purpose: string;
  /** What the link acts on, in the site's terms (a profile id, a request id). */
  target_id: string;
  /** The federated identity the link was asked from, when it must be used by that one. */
  bound_issuer: string | null;
  bound_subject: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** The tables every site's database has; a site's schema type extends this. */
export interface KitTables extends SharedTables, CounterTables, SecretTables {
  sessions: SessionTable;
  logout_tokens_seen: LogoutTokenSeenTable;
  roles: RoleTable;
  role_rights: RoleRightTable;
  member_roles: MemberRoleTable;
  mailed_links: MailedLinkTable;
}

export type KitDatabase = Kysely<KitTables>;

/**
 * The kit's view of a site's database. A site's Kysely<SiteTables> holds every
 * kit table, but Kysely's generic is invariant, so the narrowing is spelled once here.
 */
export function kitDatabase<Tables extends KitTables>(db: Kysely<Tables> | Transaction<Tables>): KitDatabase {
  return db as unknown as KitDatabase;
}
