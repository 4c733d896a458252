import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { grantRole, holdersOf, revokeAllRoles, revokeRole, roleFlag } from '../../kit/roles/repository.ts';
import { kitDatabase } from '../../kit/tables.ts';
import {
  CUSTOMERSOURCE_ROLES,
  type OrganizationKind,
  type RelyingPartyTables,
  type ServicePlan,
} from '../database.ts';

type Store = Kysely<RelyingPartyTables> | Transaction<RelyingPartyTables>;
type Tx = Transaction<RelyingPartyTables>;

export type Organization = {
  id: string;
  name: string;
  kind: OrganizationKind;
  plan: ServicePlan | null;
  planEndsAt: number | null;
};

export type ProfileListing = {
  id: string;
  organizationId: string;
  name: string;
  email: string;
  isAdmin: boolean;
  isSupport: boolean;
  /** Whether some Passport is linked to the profile. */
  linked: boolean;
};

export type AuditEntry = {
  action: string;
  detail: string | null;
  at: number;
  actorName: string | null;
  actorOrganization: string | null;
};

/** The canonical form an address is matched by: trimmed and lower-cased. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

function profileColumns(db: Store) {
  return db
    .selectFrom('profiles')
    .select((eb) => [
      'profiles.id',
      'profiles.organization_id',
      'profiles.name',
      'profiles.email',
      roleFlag('profiles.id', CUSTOMERSOURCE_ROLES.admin).as('is_admin'),
      roleFlag('profiles.id', CUSTOMERSOURCE_ROLES.support).as('is_support'),
      eb
        .exists(
          eb.selectFrom('links').select('links.profile_id').whereRef('links.profile_id', '=', 'profiles.id'),
        )
        .as('linked'),
    ])
    .where('profiles.removed_at', 'is', null);
}

type ProfileRow = {
  id: string;
  organization_id: string;
  name: string;
  email: string;
  is_admin: number;
  is_support: number;
  linked: unknown;
};

function toListing(row: ProfileRow): ProfileListing {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    email: row.email,
    isAdmin: row.is_admin === 1,
    isSupport: row.is_support === 1,
    // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
    linked: row.linked === true || Number(row.linked) === 1,
  };
}

export async function listActiveProfiles(db: Store, organizationId: string): Promise<ProfileListing[]> {
  const rows = await profileColumns(db)
    .where('profiles.organization_id', '=', organizationId)
    .orderBy('profiles.name')
    .orderBy('profiles.email_key')
    .execute();
  return rows.map(toListing);
}

/** An active profile, only within the given organization: ids from elsewhere find nothing. */
export async function findActiveProfile(
  db: Store,
  organizationId: string,
  profileId: string,
): Promise<ProfileListing | undefined> {
  const row = await profileColumns(db)
    .where('profiles.organization_id', '=', organizationId)
    .where('profiles.id', '=', profileId)
    .executeTakeFirst();
  return row && toListing(row);
}

export async function findOrganization(db: Store, id: string): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, kind: row.kind, plan: row.plan, planEndsAt: row.plan_ends_at };
}

export async function searchOrganizations(db: Store, nameFragment: string, limit: number) {
  // LIKE is case-sensitive in PostgreSQL and not in SQLite: compare lower-cased on both.
  const pattern = `%${nameFragment.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
  const rows = await db
    .selectFrom('organizations')
    .selectAll()
    .where(sql<boolean>`lower(name) like ${pattern} escape '\\'`)
    .orderBy('name')
    .limit(limit)
    .execute();
  return rows.map(
    (row): Organization => ({
      id: row.id,
      name: row.name,
      kind: row.kind,
      plan: row.plan,
      planEndsAt: row.plan_ends_at,
    }),
  );
}

/**
 * Takes the organization's row lock (PostgreSQL) or the write lock (SQLite)
 * for the rest of the transaction, so two changes to the same organization's
 * administrators cannot both see "another administrator is left".
 */
export async function lockOrganization(tx: Tx, organizationId: string): Promise<boolean> {
  const result = await tx
    .updateTable('organizations')
    .set((eb) => ({ created_at: eb.ref('created_at') }))
    .where('id', '=', organizationId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A removed profile's roles went with it (removeProfile), so every holder is an active profile. */
export async function countAdministrators(tx: Tx, organizationId: string): Promise<number> {
  return (await holdersOf(kitDatabase(tx), organizationId, CUSTOMERSOURCE_ROLES.admin)).length;
}

/** Grants or withdraws one of CustomerSource's roles, by the kit's role tables. */
async function setRole(
  tx: Store,
  profile: { id: string; organizationId: string },
  role: keyof typeof CUSTOMERSOURCE_ROLES,
  held: boolean,
  now = Date.now(),
): Promise<void> {
  const kit = kitDatabase(tx);
  const grant = {
    memberId: profile.id,
    organizationId: profile.organizationId,
    roleKey: CUSTOMERSOURCE_ROLES[role],
  };
  if (held) await grantRole(kit, { ...grant, grantedBy: null }, now);
  else await revokeRole(kit, grant);
}

/** Another active profile of the organization with this address, if any. */
export async function profileWithEmail(
  tx: Tx,
  organizationId: string,
  email: string,
  exceptProfileId?: string,
): Promise<boolean> {
  let query = tx
    .selectFrom('profiles')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('email_key', '=', emailKey(email))
    .where('removed_at', 'is', null);
  if (exceptProfileId) query = query.where('id', '!=', exceptProfileId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function insertProfile(
  tx: Tx,
  profile: {
    organizationId: string;
    name: string;
    email: string;
    isAdmin: boolean;
    isSupport?: boolean;
    language?: string | null;
  },
  now = Date.now(),
): Promise<string> {
  const id = randomUUID();
  await tx
    .insertInto('profiles')
    .values({
      id,
      organization_id: profile.organizationId,
      name: profile.name,
      email: profile.email.trim(),
      email_key: emailKey(profile.email),
      removed_at: null,
      created_at: now,
      language: profile.language ?? null,
    })
    .execute();
  const member = { id, organizationId: profile.organizationId };
  if (profile.isAdmin) await setRole(tx, member, 'admin', true, now);
  if (profile.isSupport) await setRole(tx, member, 'support', true, now);
  return id;
}

/** Changes an active profile (the caller found it active in this transaction). */
export async function updateProfile(
  tx: Tx,
  profile: { id: string; organizationId: string },
  change: { name: string; email: string; isAdmin: boolean },
): Promise<void> {
  await tx
    .updateTable('profiles')
    .set({
      name: change.name,
      email: change.email.trim(),
      email_key: emailKey(change.email),
    })
    .where('id', '=', profile.id)
    .where('removed_at', 'is', null)
    .execute();
  await setRole(tx, profile, 'admin', change.isAdmin);
}

/** Makes an active profile an administrator, or not (the caller found it active in this transaction). */
export async function setAdministrator(
  tx: Tx,
  profile: { id: string; organizationId: string },
  isAdmin: boolean,
): Promise<void> {
  await setRole(tx, profile, 'admin', isAdmin);
}

/** Links not yet followed stop working: they were mailed for a profile or address that no longer holds. */
export async function revokeOpenTokens(tx: Tx, profileId: string): Promise<number> {
  const result = await tx
    .deleteFrom('association_tokens')
    .where('profile_id', '=', profileId)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Removes a profile: marks it removed, and ends every way in: its links, its
 * unused tokens, and the sessions of its identities that use it (chosen, or not
 * yet chosen, which with a single link means using it).
 */
export async function removeProfile(tx: Tx, profileId: string, now = Date.now()) {
  // One statement for every identity linked to the profile, however many there are.
  const ended = await tx
    .deleteFrom('sessions')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('links')
          .select('links.profile_id')
          .where('links.profile_id', '=', profileId)
          .whereRef('links.issuer', '=', 'sessions.issuer')
          .whereRef('links.subject', '=', 'sessions.subject'),
      ),
    )
    .where((eb) => eb.or([eb('profile_id', '=', profileId), eb('profile_id', 'is', null)]))
    .executeTakeFirst();
  const sessionsEnded = Number(ended.numDeletedRows);
  const unlinked = await tx.deleteFrom('links').where('profile_id', '=', profileId).executeTakeFirst();
  const tokensRevoked = await revokeOpenTokens(tx, profileId);
  const removed = await tx
    .updateTable('profiles')
    .set({ removed_at: now })
    .where('id', '=', profileId)
    .where('removed_at', 'is', null)
    .returning('organization_id')
    .executeTakeFirst();
  // A removed profile holds no role: it is no administrator to count, nor support to let in.
  if (removed) await revokeAllRoles(kitDatabase(tx), profileId, removed.organization_id);
  return { linksRemoved: Number(unlinked.numDeletedRows), sessionsEnded, tokensRevoked };
}

export async function setPlan(
  tx: Tx,
  organizationId: string,
  plan: { plan: ServicePlan; endsAt: number },
): Promise<void> {
  await tx
    .updateTable('organizations')
    .set({ plan: plan.plan, plan_ends_at: plan.endsAt })
    .where('id', '=', organizationId)
    .execute();
}

export async function insertAuditEntry(
  tx: Tx,
  entry: { actorProfileId: string; organizationId: string; action: string; detail: Record<string, unknown> },
  now = Date.now(),
): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      actor_profile_id: entry.actorProfileId,
      organization_id: entry.organizationId,
      action: entry.action,
      detail: JSON.stringify(entry.detail),
      at: now,
    })
    .execute();
}

export async function recentAuditEntries(
  db: Store,
  organizationId: string,
  limit: number,
): Promise<AuditEntry[]> {
  return db
    .selectFrom('audit_log')
    .leftJoin('profiles', 'profiles.id', 'audit_log.actor_profile_id')
    .leftJoin('organizations', 'organizations.id', 'profiles.organization_id')
    .select([
      'audit_log.action',
      'audit_log.detail',
      'audit_log.at',
      'profiles.name as actorName',
      'organizations.name as actorOrganization',
    ])
    .where('audit_log.organization_id', '=', organizationId)
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id')
    .limit(limit)
    .execute();
}

export async function listResources(db: Store) {
  return db
    .selectFrom('resources')
    .select(['id', 'category', 'title', 'summary', 'published_at'])
    .orderBy('published_at', 'desc')
    .execute();
}

/** Every organization with its number of active profiles, by name (the admin CLI's list). */
export function listOrganizationsWithProfileCounts(db: Store) {
  return db
    .selectFrom('organizations')
    .select((eb) => [
      'organizations.name',
      'organizations.kind',
      'organizations.plan',
      'organizations.plan_ends_at',
      eb
        .selectFrom('profiles')
        .select((inner) => inner.fn.countAll<number | string>().as('count'))
        .whereRef('profiles.organization_id', '=', 'organizations.id')
        .where('profiles.removed_at', 'is', null)
        .as('profiles'),
    ])
    .orderBy('organizations.name')
    .execute();
}
