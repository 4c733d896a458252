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

export function passwordChangedMail(to: string, notMeUrl: string, how: string): Mail {
  return paragraphs(
    to,
    'Your Passport password was changed',
    [
      `The password of your Passport was just changed ${how}.`,
      'You were signed out everywhere, on every site and device: sign in again with the new password.',
      'If this was not you, open the link below within 7 days. It works once: it lets you choose a new password, ' +
        'signs everyone out, puts back the e-mail addresses your Passport had before this reset, ' +
        'removes your secret answer and pauses password reset for 24 hours. Then change the password of your e-mail account.',
    ],
    { href: notMeUrl, label: 'This was not me' },
  );
}

export function recoveryLockedMail(to: string, resetUrl: string): Mail {
  return paragraphs(to, 'Your Passport is back in your hands', [
    'You told us a password reset of your Passport was not yours. You chose a new password, everyone was ' +
      'signed out, and the e-mail addresses your Passport had before that reset were put back.',
    'For your security, resetting the password is paused for 24 hours. You can still sign in as usual. ' +
      `After that, reset your password at ${resetUrl} if you need to.`,
    'Consider choosing a new secret question and answer, and a new password for your e-mail account.',
  ]);
}
