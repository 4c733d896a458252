import { loadSiteConfig, type SiteConfig, type SiteSettings } from './site.ts';

/** CustomerSource's variables (`RP_*`) and defaults; the names predate the other sites, so they stay. */
export const CUSTOMERSOURCE_SETTINGS: SiteSettings = {
  envPrefix: 'RP',
  url: 'http://localhost:4001',
  clientId: 'customersource',
  // The IdP's strong level (password + security key), as its discovery document names it.
  requiredAcr: 'urn:passport:acr:strong',
  databaseFile: 'relying-party.sqlite',
};

export type RelyingPartyConfig = SiteConfig;

/** CustomerSource's settings (the admin CLI and the migrate script read them too). */
export function loadRelyingPartyConfig(env: NodeJS.ProcessEnv = process.env): RelyingPartyConfig {
  return loadSiteConfig(CUSTOMERSOURCE_SETTINGS, env);
}
