import type { Configuration } from 'oidc-provider';

const URL_FIELDS = ['backchannel_logout_uri', 'jwks_uri', 'sector_identifier_uri'];

/**
 * oidc-provider refuses outgoing requests to private and loopback addresses, a
 * guard against self-registered clients pointing it at internal hosts. Sites
 * the operator configured are trusted to live there (the extranet next door),
 * but only at the exact addresses configured: a registered client naming
 * another path on the same host still meets the guard.
 */
export function outgoingFetch(staticClients: readonly object[]): NonNullable<Configuration['fetch']> {
  const trusted = new Set<string>();
  for (const client of staticClients) {
    for (const field of URL_FIELDS) {
      const value = (client as Record<string, unknown>)[field];
      if (typeof value === 'string' && URL.canParse(value)) trusted.add(new URL(value).href);
    }
  }
  return (url, options) => {
    const target = url instanceof Request ? url.url : url;
    if (!trusted.has(new URL(target).href)) return fetch(url, options);
    const { dispatcher: _guarded, ...unguarded } = options as RequestInit & { dispatcher?: unknown };
    return fetch(url, unguarded);
  };
}
