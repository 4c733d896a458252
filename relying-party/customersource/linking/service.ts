import { DomainError, LinkExpired, LinkInvalid, LinkUsed, Throttled } from '../../../shared/http/errors.ts';
import { currentLanguage } from '../../../shared/i18n/context.ts';
import { enqueueMail } from '../../../shared/mail/outbox.ts';
import { associationMails, throttleHits } from '../../../shared/observability/metrics.ts';
import { hashMailToken, looksLikeMailToken } from '../../../shared/security/mail-token.ts';
import type { Identity } from '../../kit/auth/sessions.ts';
import type { RelyingPartyDatabase } from '../database.ts';
import { insertAuditEntry } from '../organizations/repository.ts';
import { chooseSessionProfile, type LinkedProfile, type Visitor } from '../visitor.ts';
import { type RequestLimit, withinLimit } from './counters.ts';
import { issueInvite } from './invites.ts';
import { associationMail } from './mails.ts';
import {
  consumeAssociationToken,
  endProfileSessionsExcept,
  findActiveProfilesByEmailKey,
  findAssociationToken,
  linkIdentity,
  type PendingAssociationRequest,
  pendingAssociationRequests,
  queueAssociationRequest,
  type StoredAssociationToken,
  setProfileLanguage,
  takeAssociationRequest,
  unlinkProfile,
} from './repository.ts';
import { issueAssociationToken } from './tokens.ts';

const HOUR = 60 * 60 * 1000;

/** Association mails go to addresses nobody has proved to own: a few an hour, per asker and per address. */
export const LIMITS = {
  requestsPerIdentity: { name: 'association-identity', max: 5, windowMs: HOUR },
  requestsPerAddress: { name: 'association-address', max: 3, windowMs: HOUR },
  invitesPerProfile: { name: 'invite-profile', max: 5, windowMs: HOUR },
} satisfies Record<string, RequestLimit>;

/** How long after typing the password at Passport a sign-in still counts as "just now". */
export const FRESH_SIGN_IN_MS = 2 * 60 * 1000;

export class WrongPassport extends DomainError {
  override name = 'WrongPassport';
  constructor() {
    super(403, 'wrong_passport');
  }
}

export class ProfileRemoved extends DomainError {
  override name = 'ProfileRemoved';
  constructor() {
    super(410, 'profile_removed');
  }
}

export class ProfileNotYours extends DomainError {
  override name = 'ProfileNotYours';
  constructor() {
    super(403, 'profile_not_yours');
  }
}

export type AssociationLink = Omit<StoredAssociationToken, 'consumedAt' | 'expiresAt'>;

type Deps = { db: RelyingPartyDatabase; siteUrl: string; mailQueued: () => void };

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.issuer === b.issuer && a.subject === b.subject;
}

/** A link the store knows, unused, unexpired and for a profile still in use; else the reason why not. */
function usable(token: StoredAssociationToken | undefined, now: number): AssociationLink {
  if (!token) throw new LinkInvalid();
  if (token.consumedAt !== null) throw new LinkUsed();
  if (token.expiresAt <= now) throw new LinkExpired();
  if (token.profile.removedAt !== null) throw new ProfileRemoved();
  return {
    purpose: token.purpose,
    boundTo: token.boundTo,
    createdAt: token.createdAt,
    profile: token.profile,
  };
}

function tokenHash(token: string): string {
  if (!looksLikeMailToken(token)) throw new LinkInvalid();
  return hashMailToken(token);
}

/** Linking federated identities to customer profiles by mailed links (seeds 000 and 001). */
export function createLinking({ db, siteUrl, mailQueued }: Deps) {
  const linkTo = (token: string) => `${siteUrl}/associate/${token}`;

  /**
   * Seed 000 steps 8-10. Whatever matched, the caller answers the same: the
   * mails alone tell the owners of the address what happened. The request does
   * the same work for every address (its counters and one queued row), so
   * neither the page nor the time it takes tells whether the address has
   * profiles; resolveQueuedRequests looks that up after the answer.
   */
  async function requestAssociation(identity: Identity, email: string): Promise<void> {
    const emailKey = email.trim().toLowerCase();
    const allowed =
      (await withinLimit(db, LIMITS.requestsPerIdentity, `${identity.issuer} ${identity.subject}`)) &&
      (await withinLimit(db, LIMITS.requestsPerAddress, emailKey));
    if (!allowed) {
      throttleHits.inc({ service: 'extranet', limit: 'association-requests', answer: 'wait' });
      throw new Throttled('limits.association_requests');
    }
    await queueAssociationRequest(db, { emailKey, boundTo: identity });
  }

  /**
   * Seed 000 step 11, after the answer: each queued request becomes one mail
   * per profile its address names, and nothing for an address with none. The
   * request is taken, its links issued and its mails queued in one transaction.
   * Resolves with the number of mails queued.
   */
  async function resolveQueuedRequests(batchSize = 20): Promise<number> {
    let mails = 0;
    const failures: unknown[] = [];
    for (const request of await pendingAssociationRequests(db, batchSize)) {
      // One request that fails stays queued for the next pass and holds up no other.
      try {
        mails += await resolveQueuedRequest(request);
      } catch (error) {
        failures.push(error);
      }
    }
    if (mails > 0) {
      associationMails.inc({ kind: 'association' }, mails);
      mailQueued();
    }
    if (failures.length > 0) throw new AggregateError(failures, 'association requests not resolved');
    return mails;
  }

  /** One queued request; resolves with 0 when another worker took it first. */
  function resolveQueuedRequest(request: PendingAssociationRequest): Promise<number> {
    return db.transaction().execute(async (tx) => {
      // Another copy of the service may have taken it since the read.
      if (!(await takeAssociationRequest(tx, request.id))) return 0;
      const profiles = await findActiveProfilesByEmailKey(tx, request.emailKey);
      for (const profile of profiles) {
        const token = await issueAssociationToken(tx, {
          profileId: profile.id,
          purpose: 'association',
          boundTo: request.boundTo,
        });
        await enqueueMail(tx, associationMail(profile, linkTo(token)));
      }
      return profiles.length;
    });
  }

  /** What a link is for, or the clear reason it no longer works; spends nothing. */
  async function openLink(token: string, now = Date.now()): Promise<AssociationLink> {
    return usable(await findAssociationToken(db, tokenHash(token)), now);
  }

  /**
   * Seed 000 step 12 ("You will be prompted again"): only a password typed
   * after the link was sent, and moments ago, proves the person holding the
   * link is at the keyboard now. auth_time has whole seconds, hence the rounding.
   */
  function signInIsFresh(link: AssociationLink, authenticatedAt: number, now = Date.now()): boolean {
    return (
      authenticatedAt > now - FRESH_SIGN_IN_MS && authenticatedAt >= Math.floor(link.createdAt / 1000) * 1000
    );
  }

  /** An association link works only for the identity that asked for it; an invite for anyone. */
  function mayUse(link: AssociationLink, identity: Identity): boolean {
    return link.boundTo === null || sameIdentity(link.boundTo, identity);
  }

  /**
   * Spends the link and links the visitor's identity to its profile, in one
   * transaction. Through an invite the visitor becomes the profile's only
   * identity: the old Passport loses the profile and its sessions in it end.
   */
  async function associate(
    token: string,
    visitor: Pick<Visitor, 'identity' | 'sessionId'>,
  ): Promise<AssociationLink['profile']> {
    const hash = tokenHash(token);
    const { identity } = visitor;
    return db.transaction().execute(async (tx) => {
      const now = Date.now();
      const link = usable(await findAssociationToken(tx, hash), now);
      if (!mayUse(link, identity)) throw new WrongPassport();
      // Another request may have spent it since it was read.
      if (!(await consumeAssociationToken(tx, hash, now))) throw new LinkUsed();
      const profileId = link.profile.id;
      let replaced = { links: 0, sessions: 0 };
      if (link.purpose === 'invite') {
        replaced = {
          links: await unlinkProfile(tx, profileId),
          sessions: await endProfileSessionsExcept(tx, profileId, identity),
        };
      }
      await linkIdentity(tx, identity, profileId, now);
      // From now on the profile's mail speaks the language its owner uses here.
      await setProfileLanguage(tx, profileId, currentLanguage());
      // The extranet opens in the profile just associated (seed 000 step 14).
      await chooseSessionProfile(tx, visitor.sessionId, profileId);
      await insertAuditEntry(
        tx,
        {
          actorProfileId: profileId,
          organizationId: link.profile.organizationId,
          action: link.purpose === 'invite' ? 'profile.reassociated' : 'profile.associated',
          detail: {
            issuer: identity.issuer,
            subject: identity.subject,
            via: link.purpose,
            removedLinks: replaced.links,
            endedSessions: replaced.sessions,
          },
        },
        now,
      );
      return link.profile;
    });
  }

  /** "Send Invite E-mail" from the personal profile: to the profile's own address on record. */
  async function sendInvite(profile: LinkedProfile): Promise<void> {
    if (!(await withinLimit(db, LIMITS.invitesPerProfile, profile.id))) {
      throttleHits.inc({ service: 'extranet', limit: 'invites', answer: 'wait' });
      throw new Throttled('limits.invites_per_profile');
    }
    await db.transaction().execute(async (tx) => {
      await issueInvite(tx, profile, siteUrl);
      await insertAuditEntry(tx, {
        actorProfileId: profile.id,
        organizationId: profile.organizationId,
        action: 'profile.invite_sent',
        detail: { profileId: profile.id, email: profile.email },
      });
    });
    associationMails.inc({ kind: 'invite' });
    mailQueued();
  }

  /** Seed 001: a Passport linked to several profiles works in one at a time. */
  async function chooseProfile(visitor: Visitor, profileId: string): Promise<void> {
    if (!visitor.profiles.some((profile) => profile.id === profileId)) throw new ProfileNotYours();
    await chooseSessionProfile(db, visitor.sessionId, profileId);
  }

  return {
    requestAssociation,
    resolveQueuedRequests,
    resolveQueuedRequest,
    openLink,
    signInIsFresh,
    mayUse,
    associate,
    sendInvite,
    chooseProfile,
  };
}

export type Linking = ReturnType<typeof createLinking>;
