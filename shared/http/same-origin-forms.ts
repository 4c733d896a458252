import type { FastifyInstance } from 'fastify';
import { CrossSiteForm } from './errors.ts';

/**
 * Page cookies are SameSite=Lax already; a form posted from another origin is
 * refused as well. Browsers name the origin of a form post (our Referrer-Policy
 * is same-origin, so our own pages are named to us); requests without an
 * Origin, such as server-to-server back-channel calls, are not forms.
 */
export function refuseCrossSiteForms(app: FastifyInstance, siteUrl: string) {
  const siteOrigin = new URL(siteUrl).origin;
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== siteOrigin) throw new CrossSiteForm();
  });
}
