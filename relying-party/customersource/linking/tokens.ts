import type { Transaction } from 'kysely';
import { newMailToken } from '../../../shared/security/mail-token.ts';
import type { AssociationTokenTable, RelyingPartyDatabase, RelyingPartyTables } from '../database.ts';

export const ASSOCIATION_TTL_MS = 72 * 60 * 60 * 1000;

type Executor = RelyingPartyDatabase | Transaction<RelyingPartyTables>;

/**
 * Stores an association token for a profile and returns the raw token for the
 * link. Bound to the identity that asked (association), or to nobody (invite:
 * whoever opens it and signs in freshly becomes the profile's identity).
 */
export async function issueAssociationToken(
  db: Executor,
  token: {
    profileId: string;
    purpose: AssociationTokenTable['purpose'];
    boundTo: { issuer: string; subject: string } | null;
  },
  now = Date.now(),
): Promise<string> {
  const { token: raw, hash } = newMailToken();
  await db
    .insertInto('association_tokens')
    .values({
      token_hash: hash,
      profile_id: token.profileId,
      purpose: token.purpose,
      bound_issuer: token.boundTo?.issuer ?? null,
      bound_subject: token.boundTo?.subject ?? null,
      created_at: now,
      expires_at: now + ASSOCIATION_TTL_MS,
      consumed_at: null,
    })
    .execute();
  return raw;
}

/** Links (association and invite) that expired or were spent before `before`. */
export async function sweepAssociationTokens(db: Executor, before: number): Promise<void> {
  await db
    .deleteFrom('association_tokens')
    .where((eb) => eb.or([eb('expires_at', '<=', before), eb('consumed_at', '<=', before)]))
    .execute();
}
