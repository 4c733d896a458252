import { translate } from '../i18n/context.ts';

type Vars = Record<string, unknown>;

/**
 * The few ways a request can fail that a person should be told about. Each has
 * a stable code; its words are the catalogue's `errors.<code>.title` and
 * `.message` in the request's language, looked up where the error is made so a
 * route that shows one on its own page needs nothing more. One handler renders
 * the rest; routes only throw.
 */
export class DomainError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;

  /**
   * `messageKey` replaces the code's usual message with another catalogue entry.
   * A plain string in its place is the older form (`title`, `message` in English),
   * kept only until the extranet's errors have codes: its words are shown as given.
   */
  constructor(status: number, code: string, options: { vars?: Vars; messageKey?: string } | string = {}) {
    const legacy = typeof options === 'string';
    super(legacy ? options : translate(options.messageKey ?? `errors.${code}.message`, options.vars));
    this.status = status;
    this.code = legacy ? 'untranslated' : code;
    this.title = legacy ? code : translate(`errors.${code}.title`, options.vars);
  }
}

export class InvalidInput extends DomainError {
  override name = 'InvalidInput';
  /** Field name to the message shown next to it, already in the request's language. */
  readonly fieldErrors: Record<string, string>;

  constructor(fieldErrors: Record<string, string>, messageKey?: string) {
    super(400, 'invalid_input', { messageKey });
    this.fieldErrors = fieldErrors;
  }
}

export class InvalidCredentials extends DomainError {
  override name = 'InvalidCredentials';
  constructor() {
    super(401, 'credentials_invalid');
  }
}

export class LinkInvalid extends DomainError {
  override name = 'LinkInvalid';
  constructor() {
    super(404, 'link_invalid');
  }
}

export class LinkUsed extends DomainError {
  override name = 'LinkUsed';
  constructor() {
    super(410, 'link_used');
  }
}

export class LinkExpired extends DomainError {
  override name = 'LinkExpired';
  constructor() {
    super(410, 'link_expired');
  }
}

export class Throttled extends DomainError {
  override name = 'Throttled';
  constructor(messageKey?: string, vars?: Vars) {
    super(429, 'throttled', { messageKey, vars });
  }
}

export class NotFound extends DomainError {
  override name = 'NotFound';
  constructor(messageKey?: string) {
    super(404, 'not_found', { messageKey });
  }
}

export class SessionExpired extends DomainError {
  override name = 'SessionExpired';
  constructor() {
    super(400, 'session_expired');
  }
}

export class CrossSiteForm extends DomainError {
  override name = 'CrossSiteForm';
  constructor() {
    super(403, 'cross_site_form');
  }
}

export class MisdirectedRequest extends DomainError {
  override name = 'MisdirectedRequest';
  constructor() {
    super(421, 'misdirected');
  }
}
