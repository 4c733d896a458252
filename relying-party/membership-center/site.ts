import path from 'node:path';
import { defineSite } from '../kit/site.ts';
import { centerLocales } from './locales/catalogues.ts';
import { centerRoutes } from './routes.ts';
import { seedDemoData } from './seed.ts';
import type { CenterTables } from './tables.ts';
import { type CenterVisitor, loadVisitor } from './visitor.ts';

/** The Partner Membership Center (seed 003) on :4002: enrolment, roles, location administrators. */
export const membershipCenter = defineSite<CenterTables, CenterVisitor>({
  name: 'membership-center',
  settings: {
    envPrefix: 'MC',
    url: 'http://localhost:4002',
    clientId: 'membership-center',
    requiredAcr: 'urn:passport:acr:password',
    databaseFile: 'membership-center.sqlite',
  },
  cookiePrefix: 'mc_',
  migrations: path.join(import.meta.dirname, '..', '..', 'migrations', 'membership-center'),
  locales: centerLocales,
  views: path.join(import.meta.dirname, 'views'),
  client: { name: 'Partner Membership Center', firstParty: true },
  // The Passport e-mail (the `email` claim) is suggested for the profile and checked for a public domain.
  userinfo: true,
  loadVisitor,
  routes: centerRoutes,
  seed: seedDemoData,
});
