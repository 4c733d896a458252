import { escapeHtml } from '../../shared/http/escape.ts';
import type { OutgoingMail } from '../../shared/mail/outbox.ts';

/** Seed 000 step 11: one mail per profile, each with its own long link. */
export function associationMail(
  profile: { name: string; email: string; organizationName: string },
  link: string,
): OutgoingMail {
  const lines = [
    `Hello ${profile.name},`,
    `Someone signed in with a Passport asked to use it for your CustomerSource profile at ${profile.organizationName}.`,
    'If it was you, open the link below within 72 hours. You will be asked to sign in again: use the same Passport you used when you asked for this e-mail. The link works once.',
    'If you did not ask for this, ignore this e-mail: nothing changes.',
  ];
  return {
    to: profile.email,
    subject: 'Associate your Passport with CustomerSource',
    text: [...lines, link, '', '— CustomerSource'].join('\n\n'),
    html: [
      ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
      `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
    ].join('\n'),
  };
}
