import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalogues, Translate } from './catalogues.ts';
import { withLanguage } from './context.ts';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language, resolveLanguage } from './languages.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The language this request is answered in (see resolveLanguage). */
    language: Language;
    /** A catalogue word in the request's language. */
    t: Translate;
  }
}

export type LanguageOptions = {
  catalogues: Catalogues;
  /** The service's cookie for the switch: `idp_lang`, `rp_lang`. */
  cookieName: string;
  siteUrl: string;
};

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** The cookie that remembers a person's choice of language on one service. */
export function languageCookie(options: { cookieName: string; siteUrl: string }, language: Language) {
  return {
    name: options.cookieName,
    value: language,
    options: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: options.siteUrl.startsWith('https://'),
      maxAge: ONE_YEAR_SECONDS,
    },
  };
}

/**
 * Every request gets its language before anything else runs (so even the Host
 * check's refusal is translated): the switch's cookie, then the browser's
 * Accept-Language, then English. A site's `ui_locales` reaches this order through
 * the cookie the IdP sets at the authorization request. Views get `it.t`,
 * `it.lang` and the switch's links.
 */
export function installLanguages(app: FastifyInstance, options: LanguageOptions) {
  const english = options.catalogues.t('en');
  app.decorateRequest('language', 'en');
  app.decorateRequest('t', english);
  // Declared here, before @fastify/view (which would otherwise empty it after our hook has filled it).
  if (!app.hasReplyDecorator('locals')) app.decorateReply('locals', undefined);
  app.addHook('onRequest', (request, reply, done) => {
    const language = resolveLanguage({
      cookie: request.cookies?.[options.cookieName],
      acceptLanguage: request.headers['accept-language'],
    });
    useLanguage(request, reply, options.catalogues, language);
    withLanguage({ language, t: request.t }, done);
  });
  // Reading a form body leaves the request's async context; enter it again for the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    withLanguage({ language: request.language, t: request.t }, done);
  });

  app.get('/language', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const target = sameSitePath(query.return, options.siteUrl);
    if (isLanguage(query.lang)) {
      const cookie = languageCookie(options, query.lang);
      reply.setCookie(cookie.name, cookie.value, cookie.options);
    }
    return reply.redirect(target, 303);
  });
}

/** Switches the rest of this request to `language` (the IdP does so for an interaction's ui_locales). */
export function useLanguage(
  request: FastifyRequest,
  reply: FastifyReply,
  catalogues: Catalogues,
  language: Language,
) {
  const t = catalogues.t(language);
  request.t = t;
  request.language = language;
  reply.locals = {
    ...(reply.locals ?? {}),
    t,
    lang: language,
    languageSwitch: languageSwitch(language, request.method === 'GET' ? request.url : refererPath(request)),
  };
}

/** Links to the same page in each other language: plain links, so the switch works without scripts. */
export function languageSwitch(current: Language, here: string) {
  return LANGUAGES.filter((language) => language !== current).map((language) => ({
    language,
    name: LANGUAGE_NAMES[language],
    href: `/language?${new URLSearchParams({ lang: language, return: here })}`,
  }));
}

// After a form post the page's own address may not answer a GET; the page the form was on does.
function refererPath(request: FastifyRequest): string {
  const referer = request.headers.referer;
  if (!referer) return '/';
  const url = URL.parse(referer);
  const host = request.host;
  return url && url.host === host ? `${url.pathname}${url.search}` : '/';
}

/** A path on this site only: anything else (another host, a scheme, `//evil`) goes home. */
export function sameSitePath(candidate: unknown, siteUrl: string): string {
  if (typeof candidate !== 'string' || !candidate.startsWith('/') || candidate.length > 2000) return '/';
  // A backslash or a control character reads as another host to some browsers ("/\evil").
  if (/\p{Cc}|\\/u.test(candidate)) return '/';
  const site = new URL(siteUrl);
  const url = URL.parse(candidate, site);
  if (!url || url.origin !== site.origin) return '/';
  return `${url.pathname}${url.search}`;
}
