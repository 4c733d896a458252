// `npm run migrate`: brings each service's database to the latest schema.

import { IDP_MIGRATIONS, idpDatabase } from '../idp/server.ts';
import { RP_MIGRATIONS, relyingPartyDatabase } from '../relying-party/customersource/server.ts';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { ConfigError } from '../shared/config/load.ts';
import { loadRelyingPartyConfig } from '../shared/config/relying-party.ts';
import { migrateToLatest } from '../shared/db/migrate.ts';

try {
  const idp = idpDatabase(loadIdpConfig());
  report('idp', await migrateToLatest(idp, IDP_MIGRATIONS));
  await idp.destroy();
  const extranet = relyingPartyDatabase(loadRelyingPartyConfig());
  report('relying-party', await migrateToLatest(extranet, RP_MIGRATIONS));
  await extranet.destroy();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

function report(service: string, applied: string[]) {
  console.log(applied.length ? `${service}: applied ${applied.join(', ')}` : `${service}: up to date`);
}
