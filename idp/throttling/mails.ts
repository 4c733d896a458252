import type { Translate } from '../../shared/i18n/catalogues.ts';
import { catalogueMail, type Mail } from '../accounts/mails.ts';

export type Lockout = {
  /** Which secret was wrong: `password`, `security_key`, `security_key_answers`, `secret_answer`. */
  secret: string;
  failures: number;
  address: string;
};

/** Sent once, when the failures reach the limit for browsers that never signed in to the account. */
export function lockoutMail(t: Translate, to: string, lockout: Lockout): Mail {
  return catalogueMail(t, to, 'lockout', ['entered', 'protected', 'if_you'], { vars: lockout });
}
