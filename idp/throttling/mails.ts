import { type Mail, paragraphs } from '../accounts/mails.ts';

export type Lockout = {
  /** What was wrong, as in "Someone entered {a wrong password}". */
  wrongSecret: string;
  failures: number;
  address: string;
};

/** Sent once, when the failures reach the limit for browsers that never signed in to the account. */
export function lockoutMail(to: string, lockout: Lockout): Mail {
  return paragraphs(to, 'Repeated failed attempts on your Passport', [
    `Someone entered ${lockout.wrongSecret} for your Passport ${lockout.failures} times in a short time, most recently from the network address ${lockout.address}.`,
    'To protect your account, browsers that have never signed in to it now wait longer after each try and must pass a check that they are not a robot. Browsers you have signed in with before are not affected: keep using them as usual.',
    'If this was you, there is nothing to do. If it was not, someone may be trying to guess: if you think they could know it, change it in your account from a browser you trust.',
  ]);
}
