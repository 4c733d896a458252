import type { Kysely, Transaction } from 'kysely';
import type { KitDatabase, KitTables } from '../../kit/tables.ts';
import type { TenantTables } from '../database.ts';

export type CompanyKind = 'customer' | 'staff';
export type SubscriptionKind = 'trial' | 'paid';

export interface CompanyTable {
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  kind: CompanyKind;
  created_at: number;
}

export interface MemberTable {
  id: string;
  company_id: string;
  /** Null until the person's first sign-in: a member named by e-mail waits for their Passport. */
  issuer: string | null;
  subject: string | null;
  email: string;
  name: string;
  /** The language of the mails to this person (credentials). */
  language: string;
  created_at: number;
}

export interface SubscriptionTable {
  id: string;
  company_id: string;
  product: string;
  kind: SubscriptionKind;
  status: 'active' | 'ended';
  licenses: number;
  order_reference: string | null;
  starts_at: number;
  ends_at: number;
  created_by: string;
  created_at: number;
}

export type PortalAuditAction =
  | 'company_created'
  | 'member_added'
  | 'trial_started'
  | 'subscription_activated'
  | 'credentials_shown'
  | 'credentials_blank'
  | 'credentials_reset';

export interface PortalAuditTable {
  id: string;
  company_id: string;
  member_id: string;
  action: PortalAuditAction;
  subscription_id: string | null;
  /** The reason a password showed blank, a support ticket: never a secret. */
  detail: string | null;
  at: number;
}

/** The portal's view of Online Services' one database: the kit's tables, the tenants, its own. */
export interface PortalTables extends KitTables, TenantTables {
  companies: CompanyTable;
  members: MemberTable;
  subscriptions: SubscriptionTable;
  portal_audit: PortalAuditTable;
}

export type PortalDatabase = Kysely<PortalTables>;
export type PortalExecutor = PortalDatabase | Transaction<PortalTables>;

/** The kit's view of the portal's store or transaction (Kysely's schema generic is invariant). */
export function kitOf(db: PortalExecutor): KitDatabase {
  return db as unknown as KitDatabase;
}
