import { type Mail, paragraphs } from '../accounts/mails.ts';

const NOT_YOU =
  'If this was not you, reset your password at once from the sign-in page ("Forgot your password?"), then set a new security key.';

const SIGNED_OUT = 'You were signed out of your Passport everywhere else.';

export function securityKeySetMail(to: string, replaced: boolean): Mail {
  return paragraphs(
    to,
    replaced ? 'Your security key was changed' : 'Your security key is set up',
    replaced
      ? ['The security key of your Passport and its three questions were just changed.', SIGNED_OUT, NOT_YOU]
      : [
          'A security key and three questions were just set up for your Passport. Sites that ask for a stronger sign-in will ask for it after your password.',
          NOT_YOU,
        ],
  );
}

export function securityKeyResetMail(to: string): Mail {
  return paragraphs(to, 'Your security key was reset', [
    'The security key of your Passport was just reset, after the answers to its three questions were given.',
    SIGNED_OUT,
    NOT_YOU,
  ]);
}
