import { DomainError } from '../../shared/http/errors.ts';

export class Forbidden extends DomainError {
  override name = 'Forbidden';
  constructor(message: string) {
    super(403, 'Access denied', message);
  }
}

export class NotAdministrator extends Forbidden {
  override name = 'NotAdministrator';
  constructor() {
    super('Only the administrators of your organization can manage its CustomerSource accounts.');
  }
}

export class NotSupportStaff extends Forbidden {
  override name = 'NotSupportStaff';
  constructor() {
    super('Only CustomerSource support staff can use these pages.');
  }
}

/** Refused because an organization would be left with nobody to manage it. */
export class LastAdministrator extends DomainError {
  override name = 'LastAdministrator';
  readonly fieldErrors: Record<string, string>;
  constructor(message: string) {
    super(409, 'An administrator is needed', message);
    this.fieldErrors = { is_admin: message };
  }
}
