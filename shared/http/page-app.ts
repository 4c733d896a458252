import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import type { Eta } from 'eta';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandler } from './error-handler.ts';
import { NotFound } from './errors.ts';
import { parseUrlEncoded } from './form.ts';
import { refuseCrossSiteForms } from './same-origin-forms.ts';
import { pagesAreNeverStored, securityHeaders } from './security-headers.ts';

const BODY_LIMIT = 64 * 1024;

export type PageAppOptions = {
  /** The service's public URL: its scheme decides secure cookies and HSTS, its origin the form check. */
  siteUrl: string;
  logLevel: string;
  logger?: boolean | object;
  trustProxy: boolean;
  cookieSecret: string;
  eta: Eta;
  viewDefaults: Record<string, unknown>;
  viewsDir: string;
  publicDir: string;
};

/**
 * What both services' apps share: security headers and no caching on every route, signed
 * cookies, eta views, one error renderer (the `error` view), a friendly 404,
 * and static assets under /assets/.
 */
export async function createPageApp(options: PageAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: options.logLevel },
    trustProxy: options.trustProxy,
    bodyLimit: BODY_LIMIT,
  });
  // Called directly, not registered: the headers must cover every route of the app.
  await securityHeaders(app, { secure: options.siteUrl.startsWith('https://') });
  pagesAreNeverStored(app);
  await app.register(cookie, { secret: options.cookieSecret });
  await app.register(view, {
    engine: { eta: options.eta },
    templates: options.viewsDir,
    production: true,
    defaultContext: options.viewDefaults,
  });
  installErrorHandler(app, (reply, page) => reply.code(page.status).view('error', page));
  app.setNotFoundHandler((_request, reply) => reply.code(404).view('error', new NotFound()));
  await app.register(fastifyStatic, { root: options.publicDir, prefix: '/assets/', maxAge: '1h' });
  return app;
}

/** Pages take web forms and nothing else (JSON or text gets a 415), and never from another site. */
export async function acceptFormsOnly(pages: FastifyInstance, siteUrl: string): Promise<void> {
  pages.removeAllContentTypeParsers();
  await pages.register(formbody, { bodyLimit: BODY_LIMIT, parser: parseUrlEncoded });
  refuseCrossSiteForms(pages, siteUrl);
}
