import type { Translate } from '../../shared/i18n/catalogues.ts';
import { catalogueMail, type Mail } from '../accounts/mails.ts';

const NOT_YOU = 'mail.account_not_you';

export function emailChangeLinkMail(t: Translate, to: string, link: string): Mail {
  return catalogueMail(t, to, 'email_change_link', ['asked', 'open', 'ignore'], { href: link });
}

/** Sent instead of a link when the new address already has a Passport: nothing can change. */
export function addressTakenMail(t: Translate, to: string, signInUrl: string): Mail {
  return catalogueMail(t, to, 'address_taken', ['asked', 'unchanged', 'sign_in', 'ignore'], {
    href: signInUrl,
  });
}

export function emailChangedNotice(t: Translate, to: string, newEmail: string): Mail {
  return catalogueMail(t, to, 'email_changed', ['moved', 'unchanged', NOT_YOU], {
    vars: { newEmail, oldEmail: to },
  });
}

export function passwordChangedNotice(t: Translate, to: string): Mail {
  return catalogueMail(t, to, 'password_changed', ['changed', NOT_YOU]);
}

export function alternateEmailLinkMail(t: Translate, to: string, link: string): Mail {
  return catalogueMail(t, to, 'alternate_link', ['asked', 'open', 'ignore'], { href: link });
}

export function alternateEmailChangedNotice(t: Translate, to: string, alternate: string | null): Mail {
  return catalogueMail(t, to, 'alternate_changed', [alternate ? 'given' : 'removed', NOT_YOU], {
    vars: { alternate },
  });
}

export function secretAnswerChangedNotice(t: Translate, to: string): Mail {
  return catalogueMail(t, to, 'secret_answer_changed', ['changed', NOT_YOU]);
}
