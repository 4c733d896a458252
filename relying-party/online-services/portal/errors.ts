import { DomainError, InvalidInput } from '../../../shared/http/errors.ts';
import { translate } from '../../../shared/i18n/context.ts';

/** A form refusal about one field, worded from the portal's catalogue. */
export function fieldRefusal(field: string, key: string, vars?: Record<string, unknown>): InvalidInput {
  return new InvalidInput({ [field]: translate(key, vars) });
}

export class SubscriptionNotFound extends DomainError {
  override name = 'SubscriptionNotFound';
  constructor() {
    super(404, 'subscription_not_found');
  }
}

export class CompanyNotFound extends DomainError {
  override name = 'CompanyNotFound';
  constructor() {
    super(404, 'company_not_found');
  }
}
