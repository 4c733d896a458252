import type { KoaContextWithOIDC } from 'oidc-provider';
import type { IdpDatabase } from '../database.ts';
import { findConsent } from './consents.ts';
import { recordSiteUse } from './site-uses.ts';

/**
 * oidc-provider remembers a grant per browser session; people expect their
 * "Allow" to be remembered per site. So a new session starts from the consent
 * stored for (account, client), and first-party sites never ask at all.
 */
export function createGrantLoader(db: IdpDatabase) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC) {
    const grant = await grantFor(ctx);
    // A grant means this authorization goes through: the site is one this person uses.
    if (grant) await recordSiteUse(db, grant.accountId!, grant.clientId!);
    return grant;
  };

  async function grantFor(ctx: KoaContextWithOIDC) {
    const { oidc } = ctx;
    const client = oidc.client!;
    const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(client.clientId);
    if (grantId) {
      const grant = await oidc.provider.Grant.find(grantId);
      if (grant) return grant;
    }
    const accountId = oidc.session!.accountId;
    if (!accountId) return undefined;

    const consent = client.first_party
      ? { scopes: [...oidc.requestParamOIDCScopes], claims: [...oidc.requestParamClaims] }
      : await findConsent(db, accountId, client.clientId);
    if (!consent) return undefined;

    const grant = new oidc.provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope(consent.scopes.join(' '));
    if (consent.claims.length > 0) grant.addOIDCClaims(consent.claims);
    await grant.save();
    return grant;
  }
}

declare module 'oidc-provider' {
  interface Client {
    first_party?: boolean;
  }
}
