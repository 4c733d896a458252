// `npm run migrate`: brings each service's database to the latest schema.

import { IDP_MIGRATIONS, idpDatabase } from '../idp/server.ts';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { ConfigError } from '../shared/config/load.ts';
import { migrateToLatest } from '../shared/db/migrate.ts';

try {
  const db = idpDatabase(loadIdpConfig());
  const applied = await migrateToLatest(db, IDP_MIGRATIONS);
  console.log(applied.length ? `idp: applied ${applied.join(', ')}` : 'idp: up to date');
  await db.destroy();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
