import type { Translate } from '../../shared/i18n/catalogues.ts';
import { catalogueMail, type Mail } from '../accounts/mails.ts';

const NOT_YOU = 'mail.security_key_not_you';
const SIGNED_OUT = 'mail.signed_out_elsewhere';

export function securityKeySetMail(t: Translate, to: string, replaced: boolean): Mail {
  return replaced
    ? catalogueMail(t, to, 'security_key_changed', ['changed', SIGNED_OUT, NOT_YOU])
    : catalogueMail(t, to, 'security_key_set', ['set', NOT_YOU]);
}

export function securityKeyResetMail(t: Translate, to: string): Mail {
  return catalogueMail(t, to, 'security_key_reset', ['reset', SIGNED_OUT, NOT_YOU]);
}
