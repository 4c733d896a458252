import type { Kysely } from 'kysely';
import type { SessionTable as KitSessionTable, KitTables } from '../kit/tables.ts';

/** CustomerSource's roles in the kit's role tables (migration 0008); the member is the profile. */
export const CUSTOMERSOURCE_ROLES = { admin: 'admin', support: 'support' } as const;

export type OrganizationKind = 'customer' | 'partner' | 'staff';
export type ServicePlan = 'service' | 'support' | 'enhancement';

export interface OrganizationTable {
  id: string;
  name: string;
  kind: OrganizationKind;
  plan: ServicePlan | null;
  plan_ends_at: number | null;
  created_at: number;
}

export interface ProfileTable {
  id: string;
  organization_id: string;
  name: string;
  email: string;
  email_key: string;
  removed_at: number | null;
  created_at: number;
  /** The language of mail to this profile (en, pt-BR); null: English. */
  language: string | null;
}

export interface LinkTable {
  issuer: string;
  subject: string;
  profile_id: string;
  created_at: number;
}

export interface AssociationTokenTable {
  token_hash: string;
  profile_id: string;
  purpose: 'association' | 'invite';
  bound_issuer: string | null;
  bound_subject: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** An association asked for and not yet looked up: the address is kept only until then. */
export interface AssociationRequestTable {
  id: string;
  email_key: string;
  bound_issuer: string;
  bound_subject: string;
  created_at: number;
}

/** The kit's session, with the profile chosen for it. */
export interface SessionTable extends KitSessionTable {
  profile_id: string | null;
}

export interface AuditLogTable {
  id: string;
  actor_profile_id: string | null;
  organization_id: string | null;
  action: string;
  detail: string | null;
  at: number;
}

export interface ResourceTable {
  id: string;
  category: string;
  title: string;
  summary: string;
  published_at: number;
}

export interface RelyingPartyTables extends KitTables {
  organizations: OrganizationTable;
  profiles: ProfileTable;
  links: LinkTable;
  association_tokens: AssociationTokenTable;
  association_requests: AssociationRequestTable;
  sessions: SessionTable;
  audit_log: AuditLogTable;
  resources: ResourceTable;
}

export type RelyingPartyDatabase = Kysely<RelyingPartyTables>;
