import { errors } from 'oidc-provider';

const MAX_NAME_LENGTH = 100;
const MAX_URIS = 20;
const MAX_URI_LENGTH = 2000;
const LOGOUT_URI_FIELDS = ['post_logout_redirect_uris', 'backchannel_logout_uri'] as const;

type Metadata = Record<string, unknown>;

/**
 * What a self-registered client may claim. Operators' clients are trusted as
 * configured; a client that registered itself must not look like one of them,
 * nor send codes or logout notices over plain http off the machine, nor make
 * the IdP store unbounded data.
 */
export function checkRegisteredClient(metadata: Metadata, staticClientNames: ReadonlySet<string>): void {
  const uris = (field: string) => {
    const value = metadata[field];
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).filter((uri): uri is string => typeof uri === 'string');
  };

  for (const [field, value] of Object.entries(metadata)) {
    const tooLong = typeof value === 'string' && value.length > MAX_URI_LENGTH;
    if (tooLong || (Array.isArray(value) && value.length > MAX_URIS)) {
      throw new errors.InvalidClientMetadata(`${field} is too long`);
    }
  }

  const redirectUris = uris('redirect_uris');
  if (redirectUris.length > MAX_URIS || redirectUris.some((uri) => uri.length > MAX_URI_LENGTH)) {
    throw new errors.InvalidRedirectUri(`at most ${MAX_URIS} redirect_uris of ${MAX_URI_LENGTH} characters`);
  }
  if (!redirectUris.every(isSecureOrLoopback)) {
    throw new errors.InvalidRedirectUri('redirect_uris must use https, except on a loopback address');
  }

  for (const field of LOGOUT_URI_FIELDS) {
    const values = uris(field);
    if (values.length > MAX_URIS || values.some((uri) => uri.length > MAX_URI_LENGTH)) {
      throw new errors.InvalidClientMetadata(`at most ${MAX_URIS} ${field} of ${MAX_URI_LENGTH} characters`);
    }
    if (!values.every(isSecureOrLoopback)) {
      throw new errors.InvalidClientMetadata(`${field} must use https, except on a loopback address`);
    }
  }

  const name = metadata.client_name;
  if (typeof name === 'string') {
    if (name.length > MAX_NAME_LENGTH) {
      throw new errors.InvalidClientMetadata(`client_name must be at most ${MAX_NAME_LENGTH} characters`);
    }
    // The consent page and account pages show this name: it must not pass for a site we run.
    if (staticClientNames.has(comparableName(name))) {
      throw new errors.InvalidClientMetadata('client_name is already the name of another site');
    }
  }
}

export function comparableName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function isSecureOrLoopback(uri: string): boolean {
  if (!URL.canParse(uri)) return true; // oidc-provider itself refuses what is not a URL
  const { protocol, hostname } = new URL(uri);
  if (protocol === 'https:') return true;
  return protocol === 'http:' && isLoopback(hostname);
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
