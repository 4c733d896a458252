import path from 'node:path';
import type { RelyingPartyConfig } from '../shared/config/relying-party.ts';
import { acceptFormsOnly, createPageApp } from '../shared/http/page-app.ts';
import type { IdpClient } from './auth/idp-client.ts';
import { authRoutes } from './auth/routes.ts';
import { installVisitor } from './auth/visitor-hook.ts';
import type { RelyingPartyDatabase } from './database.ts';
import { linkingRoutes } from './linking/routes.ts';
import { relyingPartyCatalogues } from './locales/catalogues.ts';
import { organizationRoutes } from './organizations/routes.ts';
import type { ExtranetDeps } from './page-deps.ts';
import { createRenderer } from './views/renderer.ts';

export type RelyingPartyAppDeps = {
  config: RelyingPartyConfig;
  db: RelyingPartyDatabase;
  idp: IdpClient;
  mailQueued: () => void;
  associationQueued: () => void;
  verifyLogoutToken: (token: unknown) => Promise<{ sid?: string; subject?: string }>;
  cookieSecret: string;
  logger?: boolean | object;
};

/** The extranet's table of contents. */
export async function buildRelyingPartyApp(deps: RelyingPartyAppDeps) {
  const { config } = deps;
  const renderer = createRenderer();
  const app = await createPageApp({
    siteUrl: config.url,
    logLevel: config.logLevel,
    logger: deps.logger,
    trustProxy: config.trustProxy,
    cookieSecret: deps.cookieSecret,
    eta: renderer.eta,
    viewDefaults: renderer.defaults,
    viewsDir: path.join(import.meta.dirname, 'views'),
    publicDir: path.join(import.meta.dirname, 'public'),
    languages: { catalogues: relyingPartyCatalogues, cookieName: 'rp_lang' },
  });

  await app.register(async (pages) => {
    await acceptFormsOnly(pages, config.url);
    await pages.register(authRoutes, {
      config,
      db: deps.db,
      idp: deps.idp,
      verifyLogoutToken: deps.verifyLogoutToken,
    });
    installVisitor(pages, deps.db);
    const extranet: ExtranetDeps = {
      config,
      db: deps.db,
      idp: deps.idp,
      mailQueued: deps.mailQueued,
      associationQueued: deps.associationQueued,
    };
    await pages.register(linkingRoutes, extranet);
    await pages.register(organizationRoutes, extranet);

    // The front door sends each visitor where they belong (seed 000 steps 8 and 14).
    pages.get('/', async (request, reply) => {
      const visitor = request.visitor;
      if (!visitor) return reply.view('home', {});
      if (visitor.profiles.length === 0) return reply.redirect('/associate', 303);
      if (!visitor.profile) return reply.redirect('/profiles/choose', 303);
      return reply.redirect('/resources', 303);
    });
  });
  return app;
}
