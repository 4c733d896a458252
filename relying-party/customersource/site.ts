import path from 'node:path';
import { CUSTOMERSOURCE_SETTINGS } from '../../shared/config/relying-party.ts';
import { defineSite } from '../kit/site.ts';
import type { RelyingPartyTables } from './database.ts';
import { type AssociationWorker, startAssociationWorker } from './linking/association-worker.ts';
import { createLinking } from './linking/service.ts';
import { sweepAssociationTokens } from './linking/tokens.ts';
import { customerSourceLocales } from './locales/catalogues.ts';
import { ASSOCIATION_LINK_RETENTION_MS } from './maintenance.ts';
import { seedDemoData } from './organizations/seed.ts';
import { customerSourceRoutes } from './routes.ts';
import { loadVisitor, type Visitor } from './visitor.ts';

/** CustomerSource (seeds 000-002): the extranet on :4001, the first site of the network. */
export const customerSource = defineSite<RelyingPartyTables, Visitor, { associations: AssociationWorker }>({
  // Its metrics and logs have said `extranet` since before there were other sites.
  name: 'extranet',
  settings: CUSTOMERSOURCE_SETTINGS,
  cookiePrefix: 'rp_',
  // The folder's old name (`relying-party`) is not stored: kysely keeps only each migration's name.
  migrations: path.join(import.meta.dirname, '..', '..', 'migrations', 'customersource'),
  locales: customerSourceLocales,
  views: path.join(import.meta.dirname, 'views'),
  client: { name: 'CustomerSource', firstParty: true },
  loadVisitor,
  routes: customerSourceRoutes,
  workers: (context, log) => ({
    associations: startAssociationWorker({
      linking: createLinking({ db: context.db, siteUrl: context.config.url, mailQueued: context.mailQueued }),
      log,
    }),
  }),
  seed: seedDemoData,
  sweep: (db, now) => sweepAssociationTokens(db, now - ASSOCIATION_LINK_RETENTION_MS),
});
