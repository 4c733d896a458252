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
export async function mountProvider(app: FastifyInstance, { provider }: { provider: Provider }) {
  const callback = provider.callback();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  for (const path of PROVIDER_PATHS) {
    for (const route of [path, `${path}/*`]) {
      app.all(route, (request, reply) => {
        reply.hijack();
        callback(request.raw, reply.raw);
      });
    }
  }
}
