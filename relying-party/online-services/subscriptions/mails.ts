import type { Translate } from '../../../shared/i18n/catalogues.ts';
import type { OutgoingMail } from '../../../shared/mail/outbox.ts';

/**
 * The service administrator's temporary credentials and where to use them, to a
 * purchaser in their own language. The outbox drops the body once it is delivered.
 */
export function credentialsMail(
  t: Translate,
  to: string,
  details: {
    name: string;
    productName: string;
    userName: string;
    temporaryPassword: string;
    centerUrl: string;
    portalUrl: string;
    reason: 'started' | 'reset';
  },
): OutgoingMail {
  const lines = [
    t('mail.credentials.greeting', { name: details.name }),
    t(`mail.credentials.${details.reason}`, { product: details.productName }),
    `${t('mail.credentials.user_name')}: ${details.userName}\n${t('mail.credentials.temporary_password')}: ${details.temporaryPassword}`,
    t('mail.credentials.center', { url: details.centerUrl }),
    t('mail.credentials.not_administrator'),
    t('mail.credentials.portal', { url: details.portalUrl }),
    t('mail.signature'),
  ];
  return {
    to,
    subject: t('mail.credentials.subject', { product: details.productName }),
    text: lines.join('\n\n'),
  };
}
