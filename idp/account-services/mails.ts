import { type Mail, paragraphs } from '../accounts/mails.ts';

const NOT_YOU =
  'If you did not make this change, someone else may know your password: choose "Forgot your password?" on the sign-in page to take your account back.';

export function emailChangeLinkMail(to: string, link: string): Mail {
  return paragraphs(
    to,
    'Confirm your new Passport e-mail address',
    [
      'Someone, probably you, asked to use this address to sign in to their Passport.',
      'To confirm, open the link below within 24 hours. It works once. Until then the old address stays in use.',
      'If you did not ask for this, ignore this message: nothing changes without this link.',
    ],
    { href: link, label: 'Use this address for my Passport' },
  );
}

/** Sent instead of a link when the new address already has a Passport: nothing can change. */
export function addressTakenMail(to: string, signInUrl: string): Mail {
  return paragraphs(
    to,
    'This address already has a Passport',
    [
      'Someone, perhaps you, asked to move their Passport to this e-mail address.',
      'This address already has a Passport of its own, so nothing was changed. One address can belong to one Passport only.',
      'If you wanted to sign in with this address, sign in with its own password.',
      'If this was not you, you can ignore this message.',
    ],
    { href: signInUrl, label: 'Passport Network' },
  );
}

export function emailChangedNotice(to: string, newEmail: string): Mail {
  return paragraphs(to, 'Your Passport e-mail address was changed', [
    `Your Passport now signs in with ${newEmail}. This address (${to}) no longer does.`,
    'Your Passport and every site you use with it are otherwise unchanged.',
    NOT_YOU,
  ]);
}

export function passwordChangedNotice(to: string): Mail {
  return paragraphs(to, 'Your Passport password was changed', [
    'The password of your Passport was changed. You were signed out everywhere else.',
    NOT_YOU,
  ]);
}

export function alternateEmailLinkMail(to: string, link: string): Mail {
  return paragraphs(
    to,
    'Confirm your alternate e-mail address',
    [
      'Someone, probably you, asked to use this address as the alternate e-mail address of their Passport: if they forget their password, a link to choose a new one can be sent here.',
      'To confirm, open the link below within 24 hours. It works once.',
      'If you did not ask for this, ignore this message: the address is not used without this link.',
    ],
    { href: link, label: 'Confirm this alternate address' },
  );
}

export function alternateEmailChangedNotice(to: string, alternate: string | null): Mail {
  return paragraphs(to, 'Your Passport alternate e-mail address was changed', [
    alternate
      ? `${alternate} was given as the alternate e-mail address of your Passport. It is used once it is confirmed from that mailbox.`
      : 'The alternate e-mail address of your Passport was removed.',
    NOT_YOU,
  ]);
}

export function secretAnswerChangedNotice(to: string): Mail {
  return paragraphs(to, 'Your Passport secret question was changed', [
    'The secret question and answer of your Passport were changed.',
    NOT_YOU,
  ]);
}
