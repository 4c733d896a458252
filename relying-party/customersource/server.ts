import type { LogConfig } from 'kysely';
import type { RelyingPartyConfig } from '../../shared/config/relying-party.ts';
import { type StartSiteOptions, siteDatabase, startSite } from '../kit/site.ts';
import type { RelyingPartyTables } from './database.ts';
import { customerSource } from './site.ts';

export const RP_MIGRATIONS = customerSource.migrations;

/** CustomerSource's store, for the tools that open it without the site (migrate, admin). */
export function relyingPartyDatabase(config: RelyingPartyConfig, log?: LogConfig) {
  return siteDatabase<RelyingPartyTables>(config, customerSource.name, log);
}

export type StartRelyingPartyOptions = StartSiteOptions;

/** CustomerSource on the kit. */
export async function startRelyingParty(options: StartRelyingPartyOptions = {}) {
  return startSite(customerSource, options);
}
