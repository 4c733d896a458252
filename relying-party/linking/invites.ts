import type { Transaction } from 'kysely';
import { escapeHtml } from '../../shared/http/escape.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import type { RelyingPartyTables } from '../database.ts';
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
  const link = `${siteUrl}/associate/${token}`;
  const lines = [
    `Hello ${profile.name},`,
    `You have been invited to use CustomerSource for ${profile.organizationName}.`,
    'Open the link below within 72 hours and sign in with your Passport (or create one with any e-mail address). The link works once.',
  ];
  await enqueueMail(tx, {
    to: profile.email,
    subject: 'Your invitation to CustomerSource',
    text: [...lines, link, '', '— CustomerSource'].join('\n\n'),
    html: [
      ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
      `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
    ].join('\n'),
  });
}
