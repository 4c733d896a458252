import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { fromUiLocales } from '../../shared/i18n/languages.ts';
import { languageCookie } from '../../shared/i18n/request-language.ts';
import { IDP_LANGUAGE_COOKIE } from '../locales/catalogues.ts';

// oidc-provider's endpoints (its default routes); every other path is ours.
const PROVIDER_PATHS = [
  '/.well-known',
  '/auth',
  '/token',
  '/me',
  '/jwks',
  '/reg',
  '/session/end',
  '/request',
];

/**
 * Hands oidc-provider its own paths. The request body is left unread so
 * oidc-provider parses it itself, and fastify's hooks stay out of its way.
 */
export async function mountProvider(
  app: FastifyInstance,
  { provider, issuer }: { provider: Provider; issuer: string },
) {
  const callback = provider.callback();
  const publicAddress = new URL(issuer);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  for (const path of PROVIDER_PATHS) {
    for (const route of [path, `${path}/*`]) {
      app.all(route, (request, reply) => {
        reply.hijack();
        // oidc-provider writes its URLs from these: the issuer's origin (the host check
        // has passed), and the client address as fastify's proxy trust resolved it.
        const headers = request.raw.headers;
        headers['x-forwarded-proto'] = publicAddress.protocol.slice(0, -1);
        headers['x-forwarded-host'] = publicAddress.host;
        headers['x-forwarded-for'] = request.ip;
        rememberUiLocales(request, reply, issuer);
        callback(request.raw, reply.raw);
      });
    }
  }
}

/**
 * A site's `ui_locales` is the language the person chose there: the IdP takes it
 * as that person's switch, so every page of the sign-in that follows (and those
 * after it) speaks it until they switch here. The header is set on the raw
 * response, which oidc-provider's cookies add to rather than replace.
 */
function rememberUiLocales(request: FastifyRequest, reply: FastifyReply, issuer: string) {
  if (request.method !== 'GET' || !request.url.startsWith('/auth')) return;
  const language = fromUiLocales((request.query as Record<string, unknown>).ui_locales);
  if (!language) return;
  const cookie = languageCookie({ cookieName: IDP_LANGUAGE_COOKIE, siteUrl: issuer }, language);
  reply.raw.appendHeader(
    'set-cookie',
    request.server.serializeCookie(cookie.name, cookie.value, cookie.options),
  );
}
