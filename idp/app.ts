import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import Fastify from 'fastify';
import type Provider from 'oidc-provider';
import type { IdpConfig } from '../shared/config/idp.ts';
import { botCheckRoutes } from '../shared/http/botcheck-routes.ts';
import { installErrorHandler } from '../shared/http/error-handler.ts';
import { NotFound } from '../shared/http/errors.ts';
import { parseUrlEncoded } from '../shared/http/form.ts';
import { refuseCrossSiteForms } from '../shared/http/same-origin-forms.ts';
import { securityHeaders } from '../shared/http/security-headers.ts';
import type { BotCheck } from '../shared/security/botcheck.ts';
import { signedInLocals } from './account-services/layout-locals.ts';
import { accountServicesRoutes } from './account-services/routes.ts';
import type { AccountService } from './accounts/service.ts';
import type { IdpDatabase } from './database.ts';
import { homeRoutes } from './home/routes.ts';
import { interactionRoutes } from './interactions/routes.ts';
import { signUpRoutes } from './interactions/signup-routes.ts';
import { mountProvider } from './oidc/mount.ts';
import type { PageDeps } from './page-deps.ts';
import { recoveryRoutes } from './recovery/routes.ts';
import { securityKeyRoutes } from './security-key/routes.ts';
import type { Renderer } from './views/renderer.ts';

export type IdpAppDeps = {
  config: IdpConfig;
  db: IdpDatabase;
  provider: Provider;
  renderer: Renderer;
  accounts: AccountService;
  botCheck: BotCheck;
  cookieSecret: string;
  mailQueued: () => void;
  logger?: boolean | object;
};

/** The IdP's table of contents: plugins, then our pages, then oidc-provider for the rest. */
export async function buildIdpApp(deps: IdpAppDeps) {
  const { config, renderer } = deps;
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
  });

  // Called directly, not registered: the headers must cover every route of the app.
  await securityHeaders(app, { secure: config.issuer.startsWith('https://') });
  await app.register(cookie, { secret: deps.cookieSecret });
  await app.register(view, {
    engine: { eta: renderer.eta },
    templates: path.join(import.meta.dirname, 'views'),
    production: true,
    defaultContext: renderer.defaults,
  });
  installErrorHandler(app, (reply, page) => reply.code(page.status).view('error', page));

  await app.register(fastifyStatic, {
    root: path.join(import.meta.dirname, 'public'),
    prefix: '/assets/',
    maxAge: '1h',
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).view('error', new NotFound()));

  await app.register(async (pages) => {
    // Our pages take web forms and nothing else: JSON or text gets a 415.
    pages.removeAllContentTypeParsers();
    await pages.register(formbody, { bodyLimit: 64 * 1024, parser: parseUrlEncoded });
    refuseCrossSiteForms(pages, config.issuer);
    // One session read per page, so every IdP page can link account services when signed in.
    pages.addHook('preHandler', signedInLocals(deps.provider, deps.db));
    await pages.register(botCheckRoutes, { botCheck: deps.botCheck });
    await pages.register(homeRoutes);
    await pages.register(interactionRoutes, {
      provider: deps.provider,
      db: deps.db,
      accounts: deps.accounts,
      botCheck: deps.botCheck,
      mailQueued: deps.mailQueued,
    });
    await pages.register(signUpRoutes, {
      provider: deps.provider,
      accounts: deps.accounts,
      botCheck: deps.botCheck,
    });
    const pageDeps: PageDeps = {
      config,
      db: deps.db,
      provider: deps.provider,
      accounts: deps.accounts,
      botCheck: deps.botCheck,
      mailQueued: deps.mailQueued,
    };
    await pages.register(recoveryRoutes, pageDeps);
    await pages.register(securityKeyRoutes, pageDeps);
    await pages.register(accountServicesRoutes, pageDeps);
  });
  await app.register(mountProvider, { provider: deps.provider });
  return app;
}
