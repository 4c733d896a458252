import type { FastifyInstance } from 'fastify';
import { SIGNED_OUT_STATE } from '../kit/auth/routes.ts';
import { signInSilentlyOnce } from '../kit/auth/silent-sign-in.ts';
import type { SiteContext } from '../kit/site.ts';
import { individualRoutes } from './individuals/routes.ts';
import { organizationRoutes } from './organizations/routes.ts';
import type { CenterTables } from './tables.ts';
import { currentVisitor } from './visitor.ts';

/** The Membership Center's table of contents, inside the kit's page scope. */
export async function centerRoutes(pages: FastifyInstance, context: SiteContext<CenterTables>) {
  await pages.register(individualRoutes, { db: context.db });
  await pages.register(organizationRoutes, context);

  // The front door sends each visitor where they belong: a profile, then an organization.
  pages.get<{ Querystring: { state?: string; passport?: string } }>('/', async (request, reply) => {
    const visitor = currentVisitor(request);
    if (!visitor) {
      const silent = signInSilentlyOnce(request, reply, {
        cookies: context.cookies,
        signedIn: false,
        secure: context.config.url.startsWith('https://'),
        returnTo: '/',
      });
      if (silent) return reply;
      return reply.view('home', { signedOut: request.query.state === SIGNED_OUT_STATE });
    }
    if (!visitor.individual) return reply.redirect('/profile/new', 303);
    return reply.redirect(visitor.individual.organization_id ? '/organization' : '/start', 303);
  });

  // Seed 003, "About the Microsoft Passport": open to everyone, signed in or not.
  pages.get('/about', async (_request, reply) => {
    const accountServices = new URL('/account', context.config.issuer).href;
    return reply.view('about', { accountServices, passportHome: context.config.issuer });
  });
}
