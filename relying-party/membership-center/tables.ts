import type { Kysely, Transaction } from 'kysely';
import type { KitTables } from '../kit/tables.ts';

export interface OrganizationTable {
  id: string;
  name: string;
  address: string;
  created_at: number;
}

export interface LocationTable {
  id: string;
  organization_id: string;
  name: string;
  /** The order the enrolment listed them in. */
  position: number;
}

/** A person as the Center knows them: the Passport first used (issuer + subject) and their Individual Profile. */
export interface IndividualTable {
  id: string;
  issuer: string;
  subject: string;
  name: string;
  /** The preferred e-mail of the profile: where the Center's mail goes. */
  email: string;
  phone: string;
  country: string;
  /** The language of the Center's mail to them: the one they completed the profile in. */
  language: string;
  organization_id: string | null;
  location_id: string | null;
  created_at: number;
}

export type JoinState = 'pending' | 'approved' | 'declined';

export interface JoinRequestTable {
  id: string;
  individual_id: string;
  organization_id: string;
  location_id: string;
  state: JoinState;
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
}

/** Who changed which rights, roles, membership or enrolment, and when. */
export interface AuditEventTable {
  id: string;
  organization_id: string;
  actor_id: string;
  action: string;
  target_id: string | null;
  detail: string | null;
  at: number;
}

export interface CenterTables extends KitTables {
  organizations: OrganizationTable;
  locations: LocationTable;
  individuals: IndividualTable;
  join_requests: JoinRequestTable;
  audit_events: AuditEventTable;
}

export type CenterDatabase = Kysely<CenterTables>;
export type CenterStore = Kysely<CenterTables> | Transaction<CenterTables>;
