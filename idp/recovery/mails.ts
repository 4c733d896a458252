import type { Translate } from '../../shared/i18n/catalogues.ts';
import { catalogueMail, type Mail } from '../accounts/mails.ts';

export function resetLinkMail(t: Translate, to: string, link: string): Mail {
  return catalogueMail(t, to, 'reset_link', ['asked', 'open', 'ignore'], { href: link });
}

/** `way`: how the password was changed, `link` or `answer`. */
export function passwordChangedMail(
  t: Translate,
  to: string,
  notMeUrl: string,
  way: 'link' | 'answer',
): Mail {
  return catalogueMail(t, to, 'password_reset', ['changed', 'signed_out', 'not_me'], {
    href: notMeUrl,
    vars: { way },
  });
}

export function recoveryLockedMail(t: Translate, to: string, resetUrl: string): Mail {
  return catalogueMail(t, to, 'recovery_locked', ['told', 'paused', 'consider'], { vars: { resetUrl } });
}
