import { NotFound } from '../../../shared/http/errors.ts';
import { enqueueMail } from '../../../shared/mail/outbox.ts';
import { allows, Forbidden } from '../../kit/roles/guard.ts';
import {
  grantRole,
  type HeldRight,
  holdersOf,
  revokeAllRoles,
  revokeRole,
  rightsOf,
  rolesOf,
} from '../../kit/roles/repository.ts';
import { kitDatabase } from '../../kit/tables.ts';
import type { CenterDatabase, CenterTables, IndividualTable } from '../tables.ts';
import { AlreadyDecided, AlreadyMember, LastGlobalAdministrator, PrimaryContactStays } from './errors.ts';
import { joinDecisionMail } from './mails.ts';
import {
  auditOf,
  decideJoinRequest,
  findIndividualById,
  findJoinRequest,
  findLocation,
  findOrganization,
  insertJoinRequest,
  insertOrganization,
  joinOrganization,
  leaveOrganization,
  lockOrganization,
  membersOf,
  pendingRequestOf,
  pendingRequestsFor,
  recordAudit,
} from './repository.ts';

/** The roles an administrator gives and takes on a contact's page, in the order it shows them. */
export const ADMIN_ROLES = ['global_admin', 'location_admin'] as const;
export const CONTACT_ROLES = [
  'primary_contact',
  'billing_contact',
  'technical_contact',
  'marketing_contact',
] as const;
export const ROLES = [...ADMIN_ROLES, ...CONTACT_ROLES] as const;
export type RoleKey = (typeof ROLES)[number];

const isAdminRole = (roleKey: string) => (ADMIN_ROLES as readonly string[]).includes(roleKey);

/** A member acting in their organization. */
export type Actor = { id: string; organizationId: string };

export function actorOf(individual: IndividualTable | undefined): Actor | undefined {
  return individual?.organization_id
    ? { id: individual.id, organizationId: individual.organization_id }
    : undefined;
}

/** The right each role change needs, and where (a contact's location, or the whole organization). */
function rightToChange(role: RoleKey): { right: string; scoped: boolean } {
  if (role === 'global_admin' || role === 'location_admin') return { right: 'admins.manage', scoped: false };
  if (role === 'primary_contact') return { right: 'primary.assign', scoped: false };
  return { right: 'contacts.manage', scoped: true };
}

export function createOrganizationService(options: {
  db: CenterDatabase;
  siteUrl: string;
  mailQueued: () => void;
}) {
  const { db } = options;
  const kit = kitDatabase(db);

  const rights = (actor: Actor) => rightsOf(kit, actor.id, actor.organizationId);

  async function require(actor: Actor, right: string, scope?: string): Promise<HeldRight[]> {
    const held = await rights(actor);
    if (!allows(held, right, scope)) throw new Forbidden();
    return held;
  }

  /** A member of the actor's own organization; anyone else does not exist here. */
  async function contactOf(actor: Actor, contactId: string): Promise<IndividualTable> {
    const contact = await findIndividualById(db, contactId);
    if (!contact || contact.organization_id !== actor.organizationId) throw new NotFound();
    return contact;
  }

  return {
    rights,

    async organization(actor: Actor) {
      const organization = await findOrganization(db, actor.organizationId);
      if (!organization) throw new NotFound();
      return organization;
    },

    /** Seed 003: whoever enrols the organization is its Primary Program Contact with Global administrative rights. */
    async enrol(individual: IndividualTable, form: { name: string; address: string; locations: string[] }) {
      return db.transaction().execute(async (tx) => {
        const organization = await insertOrganization(tx, form);
        if (!(await joinOrganization(tx, individual.id, organization.id, organization.locations[0]!.id)))
          throw new AlreadyMember();
        const txKit = kitDatabase<CenterTables>(tx);
        for (const roleKey of ['global_admin', 'primary_contact'])
          await grantRole(txKit, {
            memberId: individual.id,
            organizationId: organization.id,
            roleKey,
            grantedBy: individual.id,
          });
        await recordAudit(tx, {
          organizationId: organization.id,
          actorId: individual.id,
          action: 'enrolled',
          targetId: individual.id,
          detail: organization.name,
        });
        return organization;
      });
    },

    /** The organizations's locations to choose from; undefined for an ID that names none. */
    async joinable(organizationId: string) {
      return findOrganization(db, organizationId);
    },

    pendingRequestOf: (individual: IndividualTable) => pendingRequestOf(db, individual.id),

    async requestJoin(individual: IndividualTable, organizationId: string, locationId: string) {
      const location = await findLocation(db, locationId);
      if (!location || location.organization_id !== organizationId) throw new NotFound();
      if (individual.organization_id) throw new AlreadyMember();
      await db.transaction().execute(async (tx) => {
        if (await pendingRequestOf(tx, individual.id)) throw new AlreadyMember('already_asked');
        const id = await insertJoinRequest(tx, { individualId: individual.id, organizationId, locationId });
        await recordAudit(tx, {
          organizationId,
          actorId: individual.id,
          action: 'join_requested',
          targetId: individual.id,
          detail: id,
        });
      });
    },

    /** The requests this actor may decide: all of them for a Global administrator, else those for their locations. */
    async pendingRequests(actor: Actor) {
      const held = await rights(actor);
      const requests = await pendingRequestsFor(db, actor.organizationId);
      return requests.filter((request) => allows(held, 'joins.decide', request.locationId));
    },

    async decideJoin(actor: Actor, requestId: string, approve: boolean) {
      const request = await findJoinRequest(db, requestId);
      if (!request || request.organization_id !== actor.organizationId) throw new NotFound();
      await require(actor, 'joins.decide', request.location_id);
      const person = await findIndividualById(db, request.individual_id);
      const organization = await findOrganization(db, request.organization_id);
      if (!person || !organization) throw new NotFound();
      await db.transaction().execute(async (tx) => {
        if (
          !(await decideJoinRequest(tx, requestId, {
            state: approve ? 'approved' : 'declined',
            decidedBy: actor.id,
          }))
        )
          throw new AlreadyDecided();
        if (approve && !(await joinOrganization(tx, person.id, request.organization_id, request.location_id)))
          throw new AlreadyMember();
        await recordAudit(tx, {
          organizationId: actor.organizationId,
          actorId: actor.id,
          action: approve ? 'join_approved' : 'join_declined',
          targetId: person.id,
        });
        await enqueueMail(tx, joinDecisionMail(person, organization.name, approve, options.siteUrl));
      });
      options.mailQueued();
    },

    /** The contacts the actor manages (all, or those of their locations), with their roles. */
    async contacts(actor: Actor) {
      const held = await rights(actor);
      const members = (await membersOf(db, actor.organizationId)).filter(
        (member) =>
          member.id === actor.id || allows(held, 'contacts.manage', member.location_id ?? undefined),
      );
      const roles = await rolesOf(
        kit,
        members.map((member) => member.id),
      );
      return members.map((member) => ({
        ...member,
        roles: (roles.get(member.id) ?? []).map((role) => role.roleKey),
        manageable: allows(held, 'contacts.manage', member.location_id ?? undefined),
      }));
    },

    /** One contact as a manager of it sees it: refused unless the actor manages the contact's location. */
    async contact(actor: Actor, contactId: string) {
      const contact = await contactOf(actor, contactId);
      const held = await require(actor, 'contacts.manage', contact.location_id ?? undefined);
      const roles = (await rolesOf(kit, [contact.id])).get(contact.id) ?? [];
      const isAdministrator = roles.some((role) => isAdminRole(role.roleKey));
      const organization = await findOrganization(db, actor.organizationId);
      return {
        contact,
        roles: roles.map((role) => role.roleKey),
        location: organization?.locations.find((location) => location.id === contact.location_id),
        /** What the page offers: the changes this actor's rights allow here. */
        changeable: ROLES.filter((role) => {
          const need = rightToChange(role);
          return allows(held, need.right, need.scoped ? (contact.location_id ?? undefined) : undefined);
        }),
        removable: !isAdministrator || allows(held, 'admins.manage'),
      };
    },

    async setRole(actor: Actor, contactId: string, role: RoleKey, grant: boolean) {
      const contact = await contactOf(actor, contactId);
      const need = rightToChange(role);
      await require(actor, need.right, need.scoped ? (contact.location_id ?? undefined) : undefined);
      // A Location administrator administers the location the contact is at.
      const scope = role === 'location_admin' ? (contact.location_id ?? '') : '';
      await db.transaction().execute(async (tx) => {
        const txKit = kitDatabase<CenterTables>(tx);
        const audit = {
          organizationId: actor.organizationId,
          actorId: actor.id,
          targetId: contact.id,
          detail: role,
        };
        if (role === 'primary_contact') {
          if (!grant) throw new PrimaryContactStays();
          // Exactly one Primary: taking it moves it, under the organization's lock.
          await lockOrganization(tx, actor.organizationId);
          for (const holder of await holdersOf(txKit, actor.organizationId, 'primary_contact'))
            if (holder.memberId !== contact.id)
              await revokeRole(txKit, {
                memberId: holder.memberId,
                organizationId: actor.organizationId,
                roleKey: role,
              });
        }
        if (grant) {
          if (
            await grantRole(txKit, {
              memberId: contact.id,
              organizationId: actor.organizationId,
              roleKey: role,
              scope,
              grantedBy: actor.id,
            })
          )
            await recordAudit(tx, { ...audit, action: 'role_granted' });
          return;
        }
        const revoked = await revokeRole(txKit, {
          memberId: contact.id,
          organizationId: actor.organizationId,
          roleKey: role,
          scope,
          unlessLast: role === 'global_admin',
        });
        if (revoked === 'last-holder') throw new LastGlobalAdministrator();
        if (revoked === 'revoked') await recordAudit(tx, { ...audit, action: 'role_revoked' });
      });
    },

    /** A contact leaves the organization, with every role there; never the last Global administrator, nor the Primary. */
    async removeContact(actor: Actor, contactId: string) {
      const contact = await contactOf(actor, contactId);
      const held = await require(actor, 'contacts.manage', contact.location_id ?? undefined);
      // An administrator is removed only by someone who may take administrative rights away.
      const before = (await rolesOf(kit, [contact.id])).get(contact.id) ?? [];
      if (before.some((role) => isAdminRole(role.roleKey)) && !allows(held, 'admins.manage'))
        throw new Forbidden();
      await db.transaction().execute(async (tx) => {
        const txKit = kitDatabase<CenterTables>(tx);
        const roles = (await rolesOf(txKit, [contact.id])).get(contact.id) ?? [];
        if (roles.some((role) => role.roleKey === 'primary_contact')) throw new PrimaryContactStays();
        if (roles.some((role) => role.roleKey === 'global_admin')) {
          const revoked = await revokeRole(txKit, {
            memberId: contact.id,
            organizationId: actor.organizationId,
            roleKey: 'global_admin',
            unlessLast: true,
          });
          if (revoked === 'last-holder') throw new LastGlobalAdministrator();
        }
        await revokeAllRoles(txKit, contact.id, actor.organizationId);
        await leaveOrganization(tx, contact.id, actor.organizationId);
        await recordAudit(tx, {
          organizationId: actor.organizationId,
          actorId: actor.id,
          action: 'contact_removed',
          targetId: contact.id,
        });
      });
    },

    async audit(actor: Actor) {
      await require(actor, 'audit.read');
      return auditOf(db, actor.organizationId);
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
