import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Identity } from '../../kit/auth/sessions.ts';
import type { AssociationTokenTable, RelyingPartyDatabase, RelyingPartyTables } from '../database.ts';

type Executor = RelyingPartyDatabase | Transaction<RelyingPartyTables>;

export type ProfileToInvite = {
  id: string;
  name: string;
  email: string;
  organizationName: string;
  language: string | null;
};

/** Profiles still in use whose registered address is `emailKey` (already lower-cased and trimmed). */
export async function findActiveProfilesByEmailKey(
  db: Executor,
  emailKey: string,
): Promise<ProfileToInvite[]> {
  return db
    .selectFrom('profiles')
    .innerJoin('organizations', 'organizations.id', 'profiles.organization_id')
    .select([
      'profiles.id',
      'profiles.name',
      'profiles.email',
      'profiles.language',
      'organizations.name as organizationName',
    ])
    .where('profiles.email_key', '=', emailKey)
    .where('profiles.removed_at', 'is', null)
    .orderBy('organizations.name')
    .orderBy('profiles.id')
    .execute();
}

export type StoredAssociationToken = {
  purpose: AssociationTokenTable['purpose'];
  boundTo: Identity | null;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  profile: {
    id: string;
    name: string;
    organizationId: string;
    organizationName: string;
    removedAt: number | null;
  };
};

export async function findAssociationToken(
  db: Executor,
  tokenHash: string,
): Promise<StoredAssociationToken | undefined> {
  const row = await db
    .selectFrom('association_tokens')
    .innerJoin('profiles', 'profiles.id', 'association_tokens.profile_id')
    .innerJoin('organizations', 'organizations.id', 'profiles.organization_id')
    .select([
      'association_tokens.purpose',
      'association_tokens.bound_issuer',
      'association_tokens.bound_subject',
      'association_tokens.created_at',
      'association_tokens.expires_at',
      'association_tokens.consumed_at',
      'profiles.id as profile_id',
      'profiles.name as profile_name',
      'profiles.removed_at',
      'organizations.id as organization_id',
      'organizations.name as organization_name',
    ])
    .where('association_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    purpose: row.purpose,
    boundTo:
      row.bound_issuer !== null && row.bound_subject !== null
        ? { issuer: row.bound_issuer, subject: row.bound_subject }
        : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
    profile: {
      id: row.profile_id,
      name: row.profile_name,
      organizationId: row.organization_id,
      organizationName: row.organization_name,
      removedAt: row.removed_at,
    },
  };
}

/**
 * Spends a token if it is still unused and unexpired: the condition in the
 * UPDATE itself, so of two requests racing for one link exactly one wins.
 */
export async function consumeAssociationToken(
  tx: Transaction<RelyingPartyTables>,
  tokenHash: string,
  now: number,
): Promise<boolean> {
  const result = await tx
    .updateTable('association_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function linkIdentity(
  tx: Transaction<RelyingPartyTables>,
  identity: Identity,
  profileId: string,
  now: number,
): Promise<void> {
  await tx
    .insertInto('links')
    .values({ issuer: identity.issuer, subject: identity.subject, profile_id: profileId, created_at: now })
    .onConflict((conflict) => conflict.columns(['issuer', 'subject', 'profile_id']).doNothing())
    .execute();
}

/** Every identity linked to the profile loses it; returns how many links there were. */
export async function unlinkProfile(tx: Transaction<RelyingPartyTables>, profileId: string): Promise<number> {
  const result = await tx.deleteFrom('links').where('profile_id', '=', profileId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Ends the sessions working in this profile, except those of `keep`. */
export async function endProfileSessionsExcept(
  tx: Transaction<RelyingPartyTables>,
  profileId: string,
  keep: Identity,
): Promise<number> {
  const result = await tx
    .deleteFrom('sessions')
    .where('profile_id', '=', profileId)
    .where((eb) => eb.not(eb.and([eb('issuer', '=', keep.issuer), eb('subject', '=', keep.subject)])))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export type PendingAssociationRequest = { id: string; emailKey: string; boundTo: Identity };

/** One row for any address typed, known or not: the request's only write besides its counters. */
export async function queueAssociationRequest(
  db: Executor,
  request: { emailKey: string; boundTo: Identity },
  now = Date.now(),
): Promise<void> {
  await db
    .insertInto('association_requests')
    .values({
      id: randomUUID(),
      email_key: request.emailKey,
      bound_issuer: request.boundTo.issuer,
      bound_subject: request.boundTo.subject,
      created_at: now,
    })
    .execute();
}

export async function pendingAssociationRequests(
  db: Executor,
  limit: number,
): Promise<PendingAssociationRequest[]> {
  const rows = await db
    .selectFrom('association_requests')
    .select(['id', 'email_key', 'bound_issuer', 'bound_subject'])
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    emailKey: row.email_key,
    boundTo: { issuer: row.bound_issuer, subject: row.bound_subject },
  }));
}

/**
 * Takes a queued request for the caller's transaction. The DELETE is the claim:
 * of two workers only one removes the row, and a rollback puts it back for the next pass.
 */
export async function takeAssociationRequest(
  tx: Transaction<RelyingPartyTables>,
  id: string,
): Promise<boolean> {
  const result = await tx.deleteFrom('association_requests').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The language of the profile's mail: its owner's, once they have associated a Passport. */
export async function setProfileLanguage(db: Executor, profileId: string, language: string): Promise<void> {
  await db.updateTable('profiles').set({ language }).where('id', '=', profileId).execute();
}
