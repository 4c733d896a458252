import { escapeHtml } from '../../../shared/http/escape.ts';
import { mailWords } from '../../../shared/i18n/mail.ts';
import type { OutgoingMail } from '../../../shared/mail/outbox.ts';
import { centerCatalogues } from '../locales/catalogues.ts';

/** The answer to a join request, in the asking person's language. */
export function joinDecisionMail(
  person: { name: string; email: string; language: string },
  organization: string,
  approved: boolean,
  siteUrl: string,
): OutgoingMail {
  const { t } = mailWords(centerCatalogues, person.language);
  const kind = approved ? 'approved' : 'declined';
  const lines = [
    t('mail.hello', { name: person.name }),
    t(`mail.join.${kind}`, { organization }),
    ...(approved ? [t('mail.join.open', { url: siteUrl })] : []),
  ];
  return {
    to: person.email,
    subject: t(`mail.join.${kind}_subject`, { organization }),
    text: [...lines, t('mail.signature')].join('\n\n'),
    html: [...lines, t('mail.signature')].map((line) => `<p>${escapeHtml(line)}</p>`).join('\n'),
  };
}
