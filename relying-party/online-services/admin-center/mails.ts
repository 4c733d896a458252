import type { Translate } from '../../../shared/i18n/catalogues.ts';
import type { OutgoingMail } from '../../../shared/mail/outbox.ts';

/** Sent once, when failed sign-ins for one account reach the limit. */
export function lockoutMail(
  t: Translate,
  to: string,
  details: { userName: string; failures: number; address: string; centerUrl: string },
): OutgoingMail {
  const lines = [
    t('mail.lockout.greeting'),
    t('mail.lockout.entered', details),
    t('mail.lockout.protected'),
    t('mail.lockout.if_you', details),
    '',
    t('mail.signature'),
  ];
  return { to, subject: t('mail.lockout.subject'), text: lines.join('\n\n') };
}
