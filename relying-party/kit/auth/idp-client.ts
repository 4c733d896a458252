import * as oidc from 'openid-client';
import type { SiteConfig } from '../../../shared/config/site.ts';

/**
 * A site's view of the IdP: discovery once, then reused. When the IdP is
 * not up yet, the next sign-in tries again instead of the site failing to start.
 */
export function createIdpClient(config: SiteConfig) {
  let discovered: Promise<oidc.Configuration> | undefined;
  const insecure = config.issuer.startsWith('http://');

  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(
        new URL(config.issuer),
        config.clientId,
        config.clientSecret,
        config.clientSecret ? undefined : oidc.None(),
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .then((configuration) => {
        // Core allows trusting TLS alone for a token from the token endpoint; a site
        // that also checks the signature believes no ID token Passport did not sign.
        oidc.enableNonRepudiationChecks(configuration);
        return configuration;
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  }

  return { configuration, redirectUri: `${config.url}/auth/callback` };
}

export type IdpClient = ReturnType<typeof createIdpClient>;
