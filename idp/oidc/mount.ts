import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';

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
        callback(request.raw, reply.raw);
      });
    }
  }
}
