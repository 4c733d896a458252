import { DomainError } from '../../../shared/http/errors.ts';

/** The same words for an unknown user name and a wrong password: no enumeration. */
export class CenterCredentialsInvalid extends DomainError {
  override name = 'CenterCredentialsInvalid';
  constructor() {
    super(401, 'center_credentials_invalid');
  }
}

/** Said only after the right password: the person is told whom to ask. */
export class AccountDisabled extends DomainError {
  override name = 'AccountDisabled';
  constructor() {
    super(403, 'center_account_disabled');
  }
}

/** A user (not an administrator) asked for an administrator's page or change. */
export class AdministratorsOnly extends DomainError {
  override name = 'AdministratorsOnly';
  constructor() {
    super(403, 'center_administrators_only');
  }
}

/** Another change of the same password won the race. */
export class PasswordChangedMeanwhile extends DomainError {
  override name = 'PasswordChangedMeanwhile';
  constructor() {
    super(409, 'center_password_changed_meanwhile');
  }
}
