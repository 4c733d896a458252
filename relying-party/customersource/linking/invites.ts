import type { Transaction } from 'kysely';
import { enqueueMail } from '../../../shared/mail/outbox.ts';
import type { RelyingPartyTables } from '../database.ts';
import { inviteMail } from './mails.ts';
import { issueAssociationToken } from './tokens.ts';

/**
 * "Send Invite E-mail": an association link for the profile's address, bound to
 * no identity. Issuing a new invite does not revoke older ones; each works once.
 */
export async function issueInvite(
  tx: Transaction<RelyingPartyTables>,
  profile: { id: string; name: string; email: string; organizationName: string },
  siteUrl: string,
): Promise<void> {
  const token = await issueAssociationToken(tx, { profileId: profile.id, purpose: 'invite', boundTo: null });
  // Whoever sends it, the invite speaks the profile's language.
  const stored = await tx
    .selectFrom('profiles')
    .select('language')
    .where('id', '=', profile.id)
    .executeTakeFirst();
  await enqueueMail(
    tx,
    inviteMail({ ...profile, language: stored?.language ?? null }, `${siteUrl}/associate/${token}`),
  );
}
