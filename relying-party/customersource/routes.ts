import type { FastifyInstance } from 'fastify';
import { SIGNED_OUT_STATE } from '../kit/auth/routes.ts';
import { signInSilentlyOnce } from '../kit/auth/silent-sign-in.ts';
import type { SiteContext } from '../kit/site.ts';
import type { RelyingPartyTables } from './database.ts';
import { linkingRoutes } from './linking/routes.ts';
import { organizationRoutes } from './organizations/routes.ts';
import type { ExtranetDeps } from './page-deps.ts';
import { currentVisitor } from './visitor.ts';

/** CustomerSource's table of contents, inside the kit's page scope (after sign-in and the visitor). */
export async function customerSourceRoutes(pages: FastifyInstance, context: SiteContext<RelyingPartyTables>) {
  const { config } = context;
  const extranet: ExtranetDeps = { ...context, associationQueued: () => context.wake('associations') };
  await pages.register(linkingRoutes, extranet);
  await pages.register(organizationRoutes, extranet);

  // The front door sends each visitor where they belong (seed 000 steps 8 and 14).
  pages.get<{ Querystring: { state?: string; passport?: string } }>('/', async (request, reply) => {
    const visitor = currentVisitor(request);
    if (!visitor) {
      const silent = signInSilentlyOnce(request, reply, {
        cookies: context.cookies,
        signedIn: false,
        secure: config.url.startsWith('https://'),
        returnTo: '/',
      });
      if (silent) return reply;
      return reply.view('home', { signedOut: request.query.state === SIGNED_OUT_STATE });
    }
    if (visitor.profiles.length === 0) return reply.redirect('/associate', 303);
    if (!visitor.profile) return reply.redirect('/profiles/choose', 303);
    return reply.redirect('/resources', 303);
  });
}
