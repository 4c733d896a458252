import { readFile } from 'node:fs/promises';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import type { Eta } from 'eta';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { TrustedProxies } from '../config/load.ts';
import type { Catalogues } from '../i18n/catalogues.ts';
import { installLanguages } from '../i18n/request-language.ts';
import { PROBE_PATHS } from '../observability/health.ts';
import { measureRequests } from '../observability/metrics.ts';
import { installErrorHandler } from './error-handler.ts';
import { MisdirectedRequest, NotFound } from './errors.ts';
import { parseUrlEncoded } from './form.ts';
import { logOptions } from './logging.ts';
import { refuseCrossSiteForms } from './same-origin-forms.ts';
import { pagesAreNeverStored, securityHeaders } from './security-headers.ts';

declare module 'fastify' {
  // @fastify/view merges reply.locals into every template's data; its types leave it out.
  interface FastifyReply {
    locals?: Record<string, unknown>;
  }
}

const BODY_LIMIT = 64 * 1024;

export type PageAppOptions = {
  /** The service's name in the metrics. */
  service: string;
  /** The service's public URL: its scheme decides secure cookies and HSTS, its origin the form check. */
  siteUrl: string;
  logLevel: string;
  /** false for no log; an object adds to (or overrides) the service's logger options, e.g. a stream. */
  logger?: boolean | object;
  trustProxy: TrustedProxies;
  cookieSecret: string;
  eta: Eta;
  viewDefaults: Record<string, unknown>;
  viewsDir: string;
  /** Served under /assets/; several folders are searched in order (a site's own, then the kit's). */
  publicDir: string | string[];
  /** The service's catalogues and its cookie for the language switch (`idp_lang`, `rp_lang`). */
  languages: { catalogues: Catalogues; cookieName: string };
};

/**
 * What both services' apps share: security headers and no caching on every route, signed
 * cookies, languages, eta views, one error renderer (the `error` view), a friendly 404,
 * and static assets under /assets/.
 */
export async function createPageApp(options: PageAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { ...logOptions(options.logLevel), ...(typeof options.logger === 'object' ? options.logger : {}) },
    trustProxy: proxyTrust(options.trustProxy),
    bodyLimit: BODY_LIMIT,
  });
  measureRequests(app, options.service);
  await app.register(cookie, { secret: options.cookieSecret });
  // Before any other check, so that even a refusal speaks the person's language.
  installLanguages(app, { ...options.languages, siteUrl: options.siteUrl });
  refuseForeignHosts(app, options.siteUrl);
  // Called directly, not registered: the headers must cover every route of the app.
  await securityHeaders(app, { secure: options.siteUrl.startsWith('https://') });
  pagesAreNeverStored(app);
  await app.register(view, {
    engine: { eta: options.eta },
    templates: options.viewsDir,
    production: true,
    defaultContext: options.viewDefaults,
  });
  installErrorHandler(app, (reply, page) => reply.code(page.status).view('error', page));
  // A plain page, not the error itself: an Error's message is not an enumerable field, so a view never sees it.
  app.setNotFoundHandler((_request, reply) => {
    const { status, title, message } = new NotFound();
    return reply.code(status).view('error', { status, title, message });
  });
  await app.register(fastifyStatic, { root: options.publicDir, prefix: '/assets/', maxAge: '1h' });
  await serveFormsScript(app);
  return app;
}

/**
 * fastify 5 reads a bare hop count as "trust no one", so a count becomes the
 * test proxy-addr applies: the first `hops` senders, counted from our socket
 * back toward the client, are proxies. Lists go to proxy-addr as they are.
 */
function proxyTrust(trusted: TrustedProxies) {
  if (typeof trusted !== 'number') return trusted;
  return (_address: string, hop: number) => hop < trusted;
}

// Only a host name or address and a port; anything else (a path, user info) is not a Host.
const HOST_SYNTAX = /^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i;

/**
 * A request must name the service's public host (through a trusted proxy, its
 * X-Forwarded-Host): whatever the request names ends up in redirects, links and
 * oidc-provider's discovery document, so a foreign host is refused before any route.
 */
function refuseForeignHosts(app: FastifyInstance, siteUrl: string) {
  const site = new URL(siteUrl);
  const isOurs = (request: FastifyRequest) => {
    const named = request.host;
    // URL lowercases the name and drops the scheme's default port; a name it cannot parse is not ours.
    const url = HOST_SYNTAX.test(named) ? URL.parse(`${site.protocol}//${named}`) : null;
    return url?.host === site.host;
  };
  app.addHook('onRequest', async (request) => {
    if (PROBE_PATHS.has(request.routeOptions.url ?? '')) return;
    if (!isOurs(request)) throw new MisdirectedRequest();
  });
}

/** Pages take web forms and nothing else (JSON or text gets a 415), and never from another site. */
export async function acceptFormsOnly(pages: FastifyInstance, siteUrl: string): Promise<void> {
  pages.removeAllContentTypeParsers();
  await pages.register(formbody, { bodyLimit: BODY_LIMIT, parser: parseUrlEncoded });
  refuseCrossSiteForms(pages, siteUrl);
}

/** The script every page of both services loads: a form is sent once. */
async function serveFormsScript(app: FastifyInstance) {
  const script = await readFile(new URL('./assets/forms.js', import.meta.url));
  app.get('/assets/forms.js', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/javascript; charset=utf-8').send(script),
  );
}
