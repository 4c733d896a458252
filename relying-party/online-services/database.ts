import path from 'node:path';
import type { Kysely, LogConfig, Transaction } from 'kysely';
import type { OnlineServicesConfig } from '../../shared/config/online-services.ts';
import { connectDatabase, databaseTarget } from '../../shared/db/connect.ts';
import type { CounterTables, SecretTables, SharedTables } from '../../shared/db/tables.ts';

export type AdminRole = 'service_admin' | 'admin' | 'user';

export interface TenantTable {
  id: string;
  /** The Customer Portal's subscription this tenant serves. */
  subscription_id: string;
  company_name: string;
  /** User names of this tenant end in @domain. */
  domain: string;
  contact_email: string | null;
  language: string;
  time_zone: string;
  created_at: number;
}

export interface TenantServiceTable {
  tenant_id: string;
  service_key: string;
  enabled: number;
}

export interface AdminUserTable {
  id: string;
  tenant_id: string;
  user_name: string;
  display_name: string;
  contact_email: string | null;
  password_hash: string;
  must_change_password: number;
  is_service_admin: number;
  role: AdminRole;
  disabled_at: number | null;
  created_at: number;
  password_changed_at: number | null;
  last_sign_in_at: number | null;
}

export type CredentialsDestroyedReason = 'changed' | 'exhausted' | 'support_reset';

export interface TemporaryCredentialsTable {
  admin_user_id: string;
  /** AES-256-GCM under OS_CREDENTIALS_KEY; null once the password was changed. */
  ciphertext: string | null;
  retrievals: number;
  first_retrieved_by: string | null;
  destroyed_at: number | null;
  destroyed_reason: CredentialsDestroyedReason | null;
  issued_at: number;
}

export type AdminSessionStage = 'change_password' | 'full';

export interface AdminSessionTable {
  id_hash: string;
  admin_user_id: string;
  stage: AdminSessionStage;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface AdminTrustedDeviceTable {
  id_hash: string;
  admin_user_id: string;
  created_at: number;
  last_used_at: number;
}

export type AuditActorKind = 'center' | 'portal_support' | 'system';

export interface AdminAuditTable {
  id: string;
  tenant_id: string;
  actor_kind: AuditActorKind;
  actor_id: string | null;
  actor_name: string;
  /** A catalogue key under `audit.actions`. */
  action: string;
  /** Whom or what the change was about (a user name, a service key). */
  subject: string | null;
  at: number;
}

/** The tables of migration 0001 (service tenants and the Administration Center). */
export interface TenantTables {
  tenants: TenantTable;
  tenant_services: TenantServiceTable;
  admin_users: AdminUserTable;
  temporary_credentials: TemporaryCredentialsTable;
  admin_sessions: AdminSessionTable;
  admin_trusted_devices: AdminTrustedDeviceTable;
  admin_audit: AdminAuditTable;
}

export interface OnlineServicesTables extends SharedTables, CounterTables, SecretTables, TenantTables {}

export type OnlineServicesDatabase = Kysely<OnlineServicesTables>;
export type OnlineServicesExecutor = OnlineServicesDatabase | Transaction<OnlineServicesTables>;

export const OS_MIGRATIONS = path.join(import.meta.dirname, '..', '..', 'migrations', 'online-services');

/** Online Services' one database: SQLite online-services.sqlite in DATA_DIR, or OS_DATABASE_URL. */
export function onlineServicesDatabase(
  config: OnlineServicesConfig,
  log?: LogConfig,
): OnlineServicesDatabase {
  return connectDatabase<OnlineServicesTables>(
    databaseTarget(config.databaseUrl, path.join(config.dataDir, 'online-services.sqlite')),
    { log, timeouts: config.databaseTimeouts, name: 'online-services' },
  ).db;
}
