import { type Mail, paragraphs } from '../accounts/mails.ts';

export function resetLinkMail(to: string, link: string): Mail {
  return paragraphs(
    to,
    'Reset your Passport password',
    [
      'Someone, perhaps you, asked to reset the password of your Passport.',
      'To choose a new password, open the link below within 30 minutes. It works once.',
      'If this was not you, ignore this message: your password stays as it is.',
    ],
    { href: link, label: 'Choose a new password' },
  );
}

export function passwordChangedMail(to: string, resetUrl: string, how: string): Mail {
  return paragraphs(
    to,
    'Your Passport password was changed',
    [
      `The password of your Passport was just changed ${how}.`,
      'You were signed out everywhere, on every site and device: sign in again with the new password.',
      'If this was not you, someone else may know your secret answer or read your e-mail. ' +
        'Reset your password at once with the link below to take your account back, ' +
        'then change your secret question and answer, and the password of your e-mail account.',
    ],
    { href: resetUrl, label: 'Reset my password' },
  );
}

export function secretAnswerLockoutMail(to: string, resetUrl: string): Mail {
  return paragraphs(
    to,
    'Too many tries to answer your secret question',
    [
      'Someone tried to reset the password of your Passport with your secret answer, and got it wrong too many times.',
      'For your security, resetting the password with the secret answer is paused for an hour. ' +
        'Your password has not changed and you can still sign in as usual.',
      'If this was you, you can ask for a reset link by e-mail instead. ' +
        'If it was not, consider choosing a secret answer that is harder to guess.',
    ],
    { href: resetUrl, label: 'Reset my password' },
  );
}
