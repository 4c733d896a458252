import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { DomainError } from '../../shared/http/errors.ts';
import { fromUiLocales } from '../../shared/i18n/languages.ts';
import { languageCookie } from '../../shared/i18n/request-language.ts';
import { IDP_LANGUAGE_COOKIE } from '../locales/catalogues.ts';
import { PUBLISHED_PATHS, publishedDocuments } from './published-documents.ts';

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
 * OpenID Connect Core 3.1.2.1 and RP-Initiated Logout 1.0 section 2 require POST
 * at these two endpoints as well as GET. oidc-provider serves POST there only with
 * SameSite=None session cookies, since a cross-site form post carries no Lax
 * cookie; the form is answered instead with a redirect to the same request by
 * GET, which carries them, so the session cookie stays Lax.
 */
const POST_AS_GET_PATHS = new Set(['/auth', '/session/end']);
// The request becomes a URL: within Node's 16 KiB limit on a request's headers.
const POSTED_REQUEST_LIMIT = 8 * 1024;

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
  const documents = publishedDocuments(provider, issuer);
  const handOver = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    // oidc-provider writes its URLs from these: the issuer's origin (the host check
    // has passed), and the client address as fastify's proxy trust resolved it.
    const headers = request.raw.headers;
    headers['x-forwarded-proto'] = publicAddress.protocol.slice(0, -1);
    headers['x-forwarded-host'] = publicAddress.host;
    headers['x-forwarded-for'] = request.ip;
    rememberUiLocales(request, reply, issuer);
    callback(request.raw, reply.raw);
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  for (const path of PROVIDER_PATHS) {
    for (const route of [path, `${path}/*`]) {
      app.all(route, (request, reply) => {
        if (route === path && request.method === 'POST' && POST_AS_GET_PATHS.has(path)) {
          return redirectPostedRequest(request, reply, path);
        }
        const published = request.method === 'GET' && request.raw.url?.split('?', 1)[0];
        if (published && PUBLISHED_PATHS.has(published)) {
          return sendPublished(request, reply, documents.get(published), handOver);
        }
        handOver(request, reply);
      });
    }
  }
}

/**
 * Discovery and the JWKS, answered from oidc-provider's own answer kept for the
 * key set, as its CORS rule would: any origin may read them. Should the
 * provider fail to give a document, the request goes to it as any other.
 */
async function sendPublished(
  request: FastifyRequest,
  reply: FastifyReply,
  document: ReturnType<ReturnType<typeof publishedDocuments>['get']>,
  handOver: (request: FastifyRequest, reply: FastifyReply) => void,
) {
  let published: Awaited<typeof document>;
  try {
    published = await document;
  } catch {
    return handOver(request, reply);
  }
  reply.hijack();
  reply.raw.writeHead(published.status, {
    ...published.headers,
    'access-control-allow-origin': request.headers.origin || '*',
  });
  reply.raw.end(published.body);
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

async function redirectPostedRequest(request: FastifyRequest, reply: FastifyReply, path: string) {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new DomainError(415, 'unsupported_form');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length;
    if (size > POSTED_REQUEST_LIMIT) throw new DomainError(413, 'too_large');
    chunks.push(chunk as Buffer);
  }
  // Parameters in the address as well as the body reach oidc-provider both, and it
  // refuses a parameter given twice, as it would in one GET.
  const query = new URLSearchParams(request.url.slice(path.length + 1));
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    query.append(name, value);
  }
  return reply.redirect(`${path}?${query}`, 303);
}
