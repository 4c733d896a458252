import { DomainError } from '../../../shared/http/errors.ts';

export class Forbidden extends DomainError {
  override name = 'Forbidden';
}

export class NotAdministrator extends Forbidden {
  override name = 'NotAdministrator';
  constructor() {
    super(403, 'not_administrator');
  }
}

export class NotSupportStaff extends Forbidden {
  override name = 'NotSupportStaff';
  constructor() {
    super(403, 'not_support_staff');
  }
}

/** Refused because an organization would be left with nobody to manage it. */
export class LastAdministrator extends DomainError {
  override name = 'LastAdministrator';
  readonly fieldErrors: Record<string, string>;
  constructor(vars: { name: string; organization: string; change: 'removed' | 'unmade' }) {
    super(409, 'last_administrator', { vars });
    this.fieldErrors = { is_admin: this.message };
  }
}
