import { escapeHtml } from '../../../shared/http/escape.ts';
import { mailWords } from '../../../shared/i18n/mail.ts';
import type { OutgoingMail } from '../../../shared/mail/outbox.ts';
import { relyingPartyCatalogues } from '../locales/catalogues.ts';

export type MailedProfile = {
  name: string;
  email: string;
  organizationName: string;
  language: string | null;
};

/** Seed 000 step 11: one mail per profile, each with its own long link, in the profile's language. */
export function associationMail(profile: MailedProfile, link: string): OutgoingMail {
  const { t } = mailWords(relyingPartyCatalogues, profile.language);
  return linkMail(profile, link, t('mail.association.subject'), [
    t('mail.hello', { name: profile.name }),
    t('mail.association.asked', { organization: profile.organizationName }),
    t('mail.association.open'),
    t('mail.association.ignore'),
  ]);
}

/** "Send Invite E-mail": the profile's invitation, in the profile's language. */
export function inviteMail(profile: MailedProfile, link: string): OutgoingMail {
  const { t } = mailWords(relyingPartyCatalogues, profile.language);
  return linkMail(profile, link, t('mail.invite.subject'), [
    t('mail.hello', { name: profile.name }),
    t('mail.invite.invited', { organization: profile.organizationName }),
    t('mail.invite.open'),
  ]);
}

function linkMail(profile: MailedProfile, link: string, subject: string, lines: string[]): OutgoingMail {
  const { t } = mailWords(relyingPartyCatalogues, profile.language);
  return {
    to: profile.email,
    subject,
    text: [...lines, link, '', t('mail.signature')].join('\n\n'),
    html: [
      ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
      `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
    ].join('\n'),
  };
}
