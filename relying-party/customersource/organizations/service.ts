import type { Transaction } from 'kysely';
import { InvalidInput, NotFound } from '../../../shared/http/errors.ts';
import { currentLanguage, translate } from '../../../shared/i18n/context.ts';
import type { RelyingPartyDatabase, RelyingPartyTables, ServicePlan } from '../database.ts';
import { issueInvite } from '../linking/invites.ts';
import { type Actor, recordAction } from './audit.ts';
import { LastAdministrator, NotAdministrator, NotSupportStaff } from './errors.ts';
import { lastPlanDay } from './plan.ts';
import {
  countAdministrators,
  emailKey,
  findActiveProfile,
  findOrganization,
  insertProfile,
  listActiveProfiles,
  lockOrganization,
  type Organization,
  type ProfileListing,
  profileWithEmail,
  recentAuditEntries,
  removeProfile,
  revokeOpenTokens,
  searchOrganizations,
  setAdministrator,
  setPlan,
  updateProfile,
} from './repository.ts';

type Tx = Transaction<RelyingPartyTables>;

export type ProfileInput = { name: string; email: string; isAdmin: boolean };

const SEARCH_LIMIT = 50;
const HISTORY_LIMIT = 20;

export class OrganizationNotFound extends NotFound {
  override name = 'OrganizationNotFound';
  constructor() {
    super('errors.organization_not_found.message');
  }
}

export class ProfileNotFound extends NotFound {
  override name = 'ProfileNotFound';
  constructor() {
    // The same answer for a removed profile and for another organization's: ids tell nothing.
    super('errors.profile_not_found.message');
  }
}

/**
 * Company administration (an organization's administrators manage its
 * profiles) and support (staff find organizations, name administrators,
 * change plans). Every change runs in one transaction with its audit entry
 * and its mail.
 */
export function createOrganizationService(deps: {
  db: RelyingPartyDatabase;
  siteUrl: string;
  mailQueued: () => void;
}) {
  const { db, siteUrl } = deps;

  /**
   * Runs an administrator's change with the organization locked, after
   * checking again, inside the transaction, that the actor still is one.
   */
  async function asAdministrator<Result>(actor: Actor, change: (tx: Tx) => Promise<Result>) {
    return db.transaction().execute(async (tx) => {
      await lockOrganization(tx, actor.organizationId);
      const self = await findActiveProfile(tx, actor.organizationId, actor.profileId);
      if (!self?.isAdmin) throw new NotAdministrator();
      return change(tx);
    });
  }

  async function asSupport<Result>(
    actor: Actor,
    organizationId: string,
    change: (tx: Tx, organization: Organization) => Promise<Result>,
  ) {
    return db.transaction().execute(async (tx) => {
      const staff = await findOrganization(tx, actor.organizationId);
      const self = await findActiveProfile(tx, actor.organizationId, actor.profileId);
      if (staff?.kind !== 'staff' || !self?.isSupport) throw new NotSupportStaff();
      if (!(await lockOrganization(tx, organizationId))) throw new OrganizationNotFound();
      const organization = await findOrganization(tx, organizationId);
      return change(tx, organization!);
    });
  }

  async function memberOf(tx: Tx, organizationId: string, profileId: string) {
    const profile = await findActiveProfile(tx, organizationId, profileId);
    if (!profile) throw new ProfileNotFound();
    return profile;
  }

  async function refuseDuplicateEmail(tx: Tx, organizationId: string, email: string, exceptId?: string) {
    if (await profileWithEmail(tx, organizationId, email, exceptId)) {
      throw new InvalidInput({
        email: translate('form_problems.email_taken'),
      });
    }
  }

  async function refuseLastAdministrator(
    tx: Tx,
    profile: ProfileListing,
    organizationName: string,
    change: 'removed' | 'unmade',
  ) {
    if (profile.isAdmin && (await countAdministrators(tx, profile.organizationId)) <= 1) {
      throw new LastAdministrator({ name: profile.name, organization: organizationName, change });
    }
  }

  function invite(tx: Tx, profile: { id: string; name: string; email: string }, organizationName: string) {
    return issueInvite(tx, { ...profile, organizationName }, siteUrl);
  }

  function describe(profile: { name: string; email: string; isAdmin: boolean }) {
    return { name: profile.name, email: profile.email, isAdmin: profile.isAdmin };
  }

  return {
    listProfiles(actor: Actor): Promise<ProfileListing[]> {
      return listActiveProfiles(db, actor.organizationId);
    },

    async profile(actor: Actor, profileId: string): Promise<ProfileListing> {
      const profile = await findActiveProfile(db, actor.organizationId, profileId);
      if (!profile) throw new ProfileNotFound();
      return profile;
    },

    /** Add New Professionals, with the invite mailed at once when asked. */
    async addProfile(actor: Actor, input: ProfileInput & { sendInvite: boolean }) {
      const profileId = await asAdministrator(actor, async (tx) => {
        await refuseDuplicateEmail(tx, actor.organizationId, input.email);
        // Until its owner associates a Passport, the profile's mail speaks the language of who added it.
        const id = await insertProfile(tx, {
          organizationId: actor.organizationId,
          ...input,
          language: currentLanguage(),
        });
        if (input.sendInvite) await invite(tx, { id, ...input }, actor.organizationName);
        await recordAction(tx, actor, actor.organizationId, 'admin.profile_added', {
          profileId: id,
          ...describe(input),
          inviteSent: input.sendInvite,
        });
        return id;
      });
      if (input.sendInvite) deps.mailQueued();
      return { profileId, invited: input.sendInvite };
    },

    /**
     * Saves a profile. A new address revokes links mailed to the old one (they
     * may have gone to the wrong person) and, when asked, invites the new one.
     */
    async changeProfile(actor: Actor, profileId: string, input: ProfileInput & { sendInvite: boolean }) {
      const outcome = await asAdministrator(actor, async (tx) => {
        const before = await memberOf(tx, actor.organizationId, profileId);
        await refuseDuplicateEmail(tx, actor.organizationId, input.email, profileId);
        if (!input.isAdmin) await refuseLastAdministrator(tx, before, actor.organizationName, 'unmade');
        await updateProfile(tx, before, input);
        const emailChanged = emailKey(before.email) !== emailKey(input.email);
        const invited = emailChanged && input.sendInvite;
        if (emailChanged) await revokeOpenTokens(tx, profileId);
        if (invited) await invite(tx, { id: profileId, ...input }, actor.organizationName);
        await recordAction(tx, actor, actor.organizationId, 'admin.profile_changed', {
          profileId,
          before: describe(before),
          after: describe(input),
          inviteSent: invited,
        });
        return { emailChanged, invited };
      });
      if (outcome.invited) deps.mailQueued();
      return outcome;
    },

    async resendInvite(actor: Actor, profileId: string) {
      const email = await asAdministrator(actor, async (tx) => {
        const profile = await memberOf(tx, actor.organizationId, profileId);
        await invite(tx, profile, actor.organizationName);
        await recordAction(tx, actor, actor.organizationId, 'admin.invite_sent', {
          profileId,
          email: profile.email,
        });
        return profile.email;
      });
      deps.mailQueued();
      return { email };
    },

    async setAdministrator(actor: Actor, profileId: string, isAdmin: boolean) {
      return asAdministrator(actor, async (tx) => {
        const profile = await memberOf(tx, actor.organizationId, profileId);
        if (profile.isAdmin === isAdmin) return { changed: false };
        if (!isAdmin) await refuseLastAdministrator(tx, profile, actor.organizationName, 'unmade');
        await setAdministrator(tx, profile, isAdmin);
        await recordAction(
          tx,
          actor,
          actor.organizationId,
          isAdmin ? 'admin.administrator_granted' : 'admin.administrator_revoked',
          { profileId, name: profile.name },
        );
        return { changed: true };
      });
    },

    /** Removes a profile; whoever used it is out at their next request. */
    async removeProfile(actor: Actor, profileId: string) {
      return asAdministrator(actor, async (tx) => {
        const profile = await memberOf(tx, actor.organizationId, profileId);
        await refuseLastAdministrator(tx, profile, actor.organizationName, 'removed');
        const ended = await removeProfile(tx, profileId);
        await recordAction(tx, actor, actor.organizationId, 'admin.profile_removed', {
          profileId,
          ...describe(profile),
          ...ended,
        });
        return { removedSelf: profileId === actor.profileId };
      });
    },

    findOrganizations(nameFragment: string): Promise<Organization[]> {
      return searchOrganizations(db, nameFragment, SEARCH_LIMIT);
    },

    /** What support sees of an organization: its plan, its people and its recent history. */
    async organizationRecord(organizationId: string) {
      const organization = await findOrganization(db, organizationId);
      if (!organization) throw new OrganizationNotFound();
      const [profiles, history] = await Promise.all([
        listActiveProfiles(db, organizationId),
        recentAuditEntries(db, organizationId, HISTORY_LIMIT),
      ]);
      return { organization, profiles, history };
    },

    /** For when the administrator left: an existing profile becomes one. */
    async nameAdministrator(actor: Actor, organizationId: string, profileId: string) {
      return asSupport(actor, organizationId, async (tx) => {
        const profile = await findActiveProfile(tx, organizationId, profileId);
        if (!profile)
          throw new InvalidInput({ profile: translate('form_problems.choose_profile_of_organization') });
        if (profile.isAdmin)
          throw new InvalidInput({
            profile: translate('form_problems.already_administrator', { name: profile.name }),
          });
        await setAdministrator(tx, profile, true);
        await recordAction(tx, actor, organizationId, 'support.administrator_named', {
          profileId,
          name: profile.name,
        });
        return { name: profile.name };
      });
    },

    /** For when nobody left can administer: a new profile, administrator at once, invited. */
    async addAdministrator(actor: Actor, organizationId: string, input: { name: string; email: string }) {
      const outcome = await asSupport(actor, organizationId, async (tx, organization) => {
        if (await profileWithEmail(tx, organizationId, input.email)) {
          throw new InvalidInput({
            email: translate('form_problems.email_taken_choose_above'),
          });
        }
        const id = await insertProfile(tx, {
          organizationId,
          ...input,
          isAdmin: true,
          language: currentLanguage(),
        });
        await invite(tx, { id, ...input }, organization.name);
        await recordAction(tx, actor, organizationId, 'support.administrator_added', {
          profileId: id,
          ...describe({ ...input, isAdmin: true }),
          inviteSent: true,
        });
        return { name: input.name };
      });
      deps.mailQueued();
      return outcome;
    },

    async changePlan(actor: Actor, organizationId: string, plan: { plan: ServicePlan; endsAt: number }) {
      return asSupport(actor, organizationId, async (tx, organization) => {
        await setPlan(tx, organizationId, plan);
        await recordAction(tx, actor, organizationId, 'support.plan_changed', {
          before: {
            plan: organization.plan,
            lastDay: organization.planEndsAt === null ? null : lastPlanDay(organization.planEndsAt),
          },
          after: { plan: plan.plan, lastDay: lastPlanDay(plan.endsAt) },
        });
      });
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
