import { DomainError } from '../../../shared/http/errors.ts';

/** Refused: the organization would be left without a Global administrator. */
export class LastGlobalAdministrator extends DomainError {
  override name = 'LastGlobalAdministrator';
  constructor() {
    super(409, 'last_global_admin');
  }
}

/** Refused: there is always exactly one Primary Program Contact; it moves, it is not taken away. */
export class PrimaryContactStays extends DomainError {
  override name = 'PrimaryContactStays';
  constructor() {
    super(409, 'primary_stays');
  }
}

/** Refused: the individual already belongs to an organization, or already asked to join one. */
export class AlreadyMember extends DomainError {
  override name = 'AlreadyMember';
  constructor(code: 'already_member' | 'already_asked' = 'already_member') {
    super(409, code);
  }
}

/** The join request was decided by someone else a moment ago. */
export class AlreadyDecided extends DomainError {
  override name = 'AlreadyDecided';
  constructor() {
    super(409, 'already_decided');
  }
}
