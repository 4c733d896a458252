import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { IdpDatabase } from '../database.ts';
import { saveConsent } from '../oidc/consents.ts';
import type { Interaction } from './current.ts';

/** Grants what the site asked for and remembers the decision for this account and site. */
export async function grantConsent(provider: Provider, db: IdpDatabase, interaction: Interaction) {
  const { prompt, params, session } = interaction;
  const accountId = session!.accountId;
  const clientId = String(params.client_id);
  const details = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const grant = interaction.grantId
    ? ((await provider.Grant.find(interaction.grantId)) ?? new provider.Grant({ accountId, clientId }))
    : new provider.Grant({ accountId, clientId });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await saveConsent(db, accountId, clientId, {
    scopes: (grant.getOIDCScope() ?? '').split(' ').filter(Boolean),
    claims: grant.openid?.claims ?? [],
  });
  return { consent: { grantId } } satisfies InteractionResults;
}

/** The scopes a consent page names, in words a person understands. */
/** The scopes whose meaning the catalogue words (`scopes.<scope>`); others are named as asked. */
export const DESCRIBED_SCOPES = new Set(['openid', 'email', 'profile', 'address', 'offline_access']);
