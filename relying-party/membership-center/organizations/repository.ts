import { randomUUID } from 'node:crypto';
import type { CenterStore, IndividualTable, JoinRequestTable, LocationTable } from '../tables.ts';

export type Location = { id: string; name: string };
export type Organization = { id: string; name: string; address: string; locations: Location[] };

export async function insertOrganization(
  db: CenterStore,
  organization: { name: string; address: string; locations: string[] },
  now = Date.now(),
): Promise<Organization> {
  const id = randomUUID();
  await db
    .insertInto('organizations')
    .values({ id, name: organization.name, address: organization.address, created_at: now })
    .execute();
  const locations = organization.locations.map((name, position) => ({
    id: randomUUID(),
    organization_id: id,
    name,
    position,
  }));
  await db.insertInto('locations').values(locations).execute();
  return {
    id,
    name: organization.name,
    address: organization.address,
    locations: locations.map(({ id, name }) => ({ id, name })),
  };
}

export async function findOrganization(db: CenterStore, id: string): Promise<Organization | undefined> {
  const row = await db
    .selectFrom('organizations')
    .select(['id', 'name', 'address'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const locations = await db
    .selectFrom('locations')
    .select(['id', 'name'])
    .where('organization_id', '=', id)
    .orderBy('position')
    .execute();
  return { ...row, locations };
}

/**
 * Takes the organization's row lock (a write that changes nothing): two
 * administrators moving the Primary Program Contact at once wait for each other.
 */
export async function lockOrganization(db: CenterStore, id: string): Promise<void> {
  await db
    .updateTable('organizations')
    .set((eb) => ({ created_at: eb.ref('created_at') }))
    .where('id', '=', id)
    .execute();
}

export async function findLocation(db: CenterStore, id: string): Promise<LocationTable | undefined> {
  return db.selectFrom('locations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findIndividualById(db: CenterStore, id: string): Promise<IndividualTable | undefined> {
  return db.selectFrom('individuals').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function membersOf(db: CenterStore, organizationId: string) {
  return db
    .selectFrom('individuals')
    .select(['id', 'name', 'email', 'phone', 'location_id'])
    .where('organization_id', '=', organizationId)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Makes the individual a member; false when they already belong to an organization. */
export async function joinOrganization(
  db: CenterStore,
  individualId: string,
  organizationId: string,
  locationId: string,
): Promise<boolean> {
  const result = await db
    .updateTable('individuals')
    .set({ organization_id: organizationId, location_id: locationId })
    .where('id', '=', individualId)
    .where('organization_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function leaveOrganization(db: CenterStore, individualId: string, organizationId: string) {
  await db
    .updateTable('individuals')
    .set({ organization_id: null, location_id: null })
    .where('id', '=', individualId)
    .where('organization_id', '=', organizationId)
    .execute();
}

export async function insertJoinRequest(
  db: CenterStore,
  request: { individualId: string; organizationId: string; locationId: string },
  now = Date.now(),
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('join_requests')
    .values({
      id,
      individual_id: request.individualId,
      organization_id: request.organizationId,
      location_id: request.locationId,
      state: 'pending',
      created_at: now,
      decided_by: null,
      decided_at: null,
    })
    .execute();
  return id;
}

export async function pendingRequestOf(db: CenterStore, individualId: string) {
  return db
    .selectFrom('join_requests')
    .innerJoin('organizations', 'organizations.id', 'join_requests.organization_id')
    .select(['join_requests.id', 'organizations.name as organizationName'])
    .where('join_requests.individual_id', '=', individualId)
    .where('join_requests.state', '=', 'pending')
    .executeTakeFirst();
}

export async function findJoinRequest(db: CenterStore, id: string): Promise<JoinRequestTable | undefined> {
  return db.selectFrom('join_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function pendingRequestsFor(db: CenterStore, organizationId: string) {
  return db
    .selectFrom('join_requests')
    .innerJoin('individuals', 'individuals.id', 'join_requests.individual_id')
    .select([
      'join_requests.id',
      'join_requests.location_id as locationId',
      'individuals.name',
      'individuals.email',
      'join_requests.created_at as createdAt',
    ])
    .where('join_requests.organization_id', '=', organizationId)
    .where('join_requests.state', '=', 'pending')
    .orderBy('join_requests.created_at')
    .execute();
}

/** Decides a pending request; false when someone decided it first (one conditional write). */
export async function decideJoinRequest(
  db: CenterStore,
  id: string,
  decision: { state: 'approved' | 'declined'; decidedBy: string },
  now = Date.now(),
): Promise<boolean> {
  const result = await db
    .updateTable('join_requests')
    .set({ state: decision.state, decided_by: decision.decidedBy, decided_at: now })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recordAudit(
  db: CenterStore,
  event: { organizationId: string; actorId: string; action: string; targetId?: string; detail?: string },
  now = Date.now(),
) {
  await db
    .insertInto('audit_events')
    .values({
      id: randomUUID(),
      organization_id: event.organizationId,
      actor_id: event.actorId,
      action: event.action,
      target_id: event.targetId ?? null,
      detail: event.detail ?? null,
      at: now,
    })
    .execute();
}

export async function auditOf(db: CenterStore, organizationId: string) {
  return db
    .selectFrom('audit_events')
    .leftJoin('individuals as actor', 'actor.id', 'audit_events.actor_id')
    .leftJoin('individuals as target', 'target.id', 'audit_events.target_id')
    .select([
      'audit_events.id',
      'audit_events.action',
      'audit_events.detail',
      'audit_events.at',
      'actor.name as actorName',
      'target.name as targetName',
    ])
    .where('audit_events.organization_id', '=', organizationId)
    .orderBy('audit_events.at', 'desc')
    .orderBy('audit_events.id')
    .limit(200)
    .execute();
}
