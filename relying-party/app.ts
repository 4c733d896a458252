import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import Fastify from 'fastify';
import type { RelyingPartyConfig } from '../shared/config/relying-party.ts';
import { installErrorHandler } from '../shared/http/error-handler.ts';
import { NotFound } from '../shared/http/errors.ts';
import { parseUrlEncoded } from '../shared/http/form.ts';
import { refuseCrossSiteForms } from '../shared/http/same-origin-forms.ts';
import { securityHeaders } from '../shared/http/security-headers.ts';
import type { IdpClient } from './auth/idp-client.ts';
import { authRoutes } from './auth/routes.ts';
import { installVisitor } from './auth/visitor-hook.ts';
import type { RelyingPartyDatabase } from './database.ts';
import { linkingRoutes } from './linking/routes.ts';
import { organizationRoutes } from './organizations/routes.ts';
import type { ExtranetDeps } from './page-deps.ts';
import { createRenderer } from './views/renderer.ts';

export type RelyingPartyAppDeps = {
  config: RelyingPartyConfig;
  db: RelyingPartyDatabase;
  idp: IdpClient;
  mailQueued: () => void;
  verifyLogoutToken: (token: unknown) => Promise<{ sid?: string; subject?: string }>;
  cookieSecret: string;
  logger?: boolean | object;
};

/** The extranet's table of contents. */
export async function buildRelyingPartyApp(deps: RelyingPartyAppDeps) {
  const { config } = deps;
  const renderer = createRenderer();
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
  });
  // Called directly, not registered: the headers must cover every route of the app.
  await securityHeaders(app, { secure: config.url.startsWith('https://') });
  await app.register(cookie, { secret: deps.cookieSecret });
  await app.register(view, {
    engine: { eta: renderer.eta },
    templates: path.join(import.meta.dirname, 'views'),
    production: true,
    defaultContext: renderer.defaults,
  });
  installErrorHandler(app, (reply, page) => reply.code(page.status).view('error', page));
  app.setNotFoundHandler((_request, reply) => reply.code(404).view('error', new NotFound()));
  await app.register(fastifyStatic, {
    root: path.join(import.meta.dirname, 'public'),
    prefix: '/assets/',
    maxAge: '1h',
  });

  await app.register(async (pages) => {
    pages.removeAllContentTypeParsers();
    await pages.register(formbody, { bodyLimit: 64 * 1024, parser: parseUrlEncoded });
    await pages.register(authRoutes, {
      config,
      db: deps.db,
      idp: deps.idp,
      verifyLogoutToken: deps.verifyLogoutToken,
    });
    refuseCrossSiteForms(pages, config.url);
    installVisitor(pages, deps.db);
    const extranet: ExtranetDeps = { config, db: deps.db, idp: deps.idp, mailQueued: deps.mailQueued };
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
