/**
 * The few ways a request can fail that a person should be told about. Each is
 * rendered in one place (the error handler); routes only throw.
 */
export class DomainError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(status: number, title: string, message: string) {
    super(message);
    this.status = status;
    this.title = title;
  }
}

export class InvalidInput extends DomainError {
  override name = 'InvalidInput';
  readonly fieldErrors: Record<string, string>;

  constructor(fieldErrors: Record<string, string>, message = 'Please correct the marked fields.') {
    super(400, 'Please check what you entered', message);
    this.fieldErrors = fieldErrors;
  }
}

export class InvalidCredentials extends DomainError {
  override name = 'InvalidCredentials';
  constructor() {
    super(401, 'Sign-in failed', 'The e-mail address or password is incorrect.');
  }
}

export class LinkInvalid extends DomainError {
  override name = 'LinkInvalid';
  constructor() {
    super(404, 'This link does not work', 'This link is not valid. Check that you copied the whole address.');
  }
}

export class LinkUsed extends DomainError {
  override name = 'LinkUsed';
  constructor() {
    super(410, 'This link was already used', 'This link has already been used. Each link works only once.');
  }
}

export class LinkExpired extends DomainError {
  override name = 'LinkExpired';
  constructor() {
    super(410, 'This link has expired', 'This link has expired. Please start again to get a new one.');
  }
}

export class Throttled extends DomainError {
  override name = 'Throttled';
  constructor(message = 'Too many attempts. Please wait a moment and try again.') {
    super(429, 'Please wait', message);
  }
}

export class NotFound extends DomainError {
  override name = 'NotFound';
  constructor(message = 'The page you asked for does not exist.') {
    super(404, 'Not found', message);
  }
}

export class SessionExpired extends DomainError {
  override name = 'SessionExpired';
  constructor() {
    super(
      400,
      'Your sign-in has expired',
      'This sign-in page has expired or was opened in another browser. Go back to the site and sign in again.',
    );
  }
}

export class CrossSiteForm extends DomainError {
  override name = 'CrossSiteForm';
  constructor() {
    super(
      403,
      'Request refused',
      'This form was sent from another site, so nothing was changed. Open the page here and try again.',
    );
  }
}

export class MisdirectedRequest extends DomainError {
  override name = 'MisdirectedRequest';
  constructor() {
    super(
      421,
      'Wrong address',
      'This service does not answer at this address. Check the address and try again.',
    );
  }
}

export class ServiceUnavailable extends DomainError {
  override name = 'ServiceUnavailable';
  constructor() {
    super(
      503,
      'Temporarily unavailable',
      'We cannot complete your request right now. Please try again in a moment.',
    );
  }
}
