import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Strict defaults from helmet. form-action stays open because a sign-in form's
 * redirect chain ends at the relying site, which browsers check against it.
 * Built once: @fastify/helmet builds helmet (parsing every directive again) on
 * each request, which cost more than some whole answers. The headers go on the
 * raw response, so replies handed to oidc-provider carry them too.
 */
export async function securityHeaders(app: FastifyInstance, { secure }: { secure: boolean }) {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'form-action': null,
        'script-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'upgrade-insecure-requests': secure ? [] : null,
      },
    },
    hsts: secure,
    // no-referrer would make browsers send "Origin: null" on our own form posts,
    // and the cross-site form check needs them to name our origin.
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}

/**
 * Every page may show who is signed in and what is theirs (the layout names the
 * visitor), so none may stay in a browser's or a proxy's cache for the next
 * person at a shared computer or the back button after signing out. Routes with
 * public content (static assets, bot-check scripts) set their own Cache-Control
 * and keep it.
 */
export function pagesAreNeverStored(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
