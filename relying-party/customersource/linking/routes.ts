import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInput, Throttled } from '../../../shared/http/errors.ts';
import { parseForm } from '../../../shared/http/form.ts';
import { type FormShape, formLocals, formStatus } from '../../../shared/http/form-page.ts';
import type { Language } from '../../../shared/i18n/languages.ts';
import { reloadVisitor } from '../../kit/visitor.ts';
import { requireAccess } from '../organizations/access.ts';
import { formatLastPlanDay } from '../organizations/plan.ts';
import type { ExtranetDeps } from '../page-deps.ts';
import { currentVisitor, type Visitor } from '../visitor.ts';
import { associationRequestForm, profileChoiceForm } from './forms.ts';
import { createLinking, LIMITS, WrongPassport } from './service.ts';

type TokenRoute = { Params: { token: string } };

const ASSOCIATE_FORM: FormShape = { fields: ['email'] };

/** Association by mailed link, the profile chooser and the personal profile (seeds 000 and 001). */
export async function linkingRoutes(app: FastifyInstance, deps: ExtranetDeps) {
  const { db, config } = deps;
  const linking = createLinking({ db, siteUrl: config.url, mailQueued: deps.mailQueued });
  /** The visitor, or undefined once the reply sends them to sign in and come back to `page`. */
  function signedIn(request: FastifyRequest, reply: FastifyReply, page: string): Visitor | undefined {
    if (!currentVisitor(request)) reply.redirect(`/auth/sign-in?return=${page}`, 303);
    return currentVisitor(request);
  }

  // The callback lands back on the link, where a second look finds the sign-in fresh.
  const freshSignIn = (token: string) => `/auth/sign-in?fresh=1&return=/associate/${token}`;

  app.get('/associate', async (request, reply) => {
    const visitor = signedIn(request, reply, '/associate');
    if (!visitor) return reply;
    return reply.view('associate', { values: { email: '' }, fieldErrors: {}, ...associatePage(visitor) });
  });

  // Whether the address has profiles is looked up once the answer has left, so the answer cannot wait on it.
  app.post('/associate', { onResponse: async () => deps.associationQueued() }, async (request, reply) => {
    const visitor = signedIn(request, reply, '/associate');
    if (!visitor) return reply;
    let form: ReturnType<typeof associationRequestForm.parse>;
    try {
      form = parseForm(associationRequestForm, request.body);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return reply.code(formStatus(error)).view('associate', {
        ...formLocals(ASSOCIATE_FORM, request.body, error),
        ...associatePage(visitor),
      });
    }
    try {
      await linking.requestAssociation(visitor.identity, form.email);
    } catch (error) {
      if (error instanceof Throttled) {
        reply.header('retry-after', String(LIMITS.requestsPerAddress.windowMs / 1000));
      }
      throw error;
    }
    // The same page whatever matched: no one learns which addresses have profiles.
    return reply.view('associate-sent', {});
  });

  app.get<TokenRoute>('/associate/:token', async (request, reply) => {
    const { token } = request.params;
    const link = await linking.openLink(token);
    const visitor = currentVisitor(request);
    if (!visitor || !linking.signInIsFresh(link, visitor.authenticatedAt)) {
      return reply.redirect(freshSignIn(token), 303);
    }
    if (!linking.mayUse(link, visitor.identity)) {
      const refusal = new WrongPassport();
      return reply.code(refusal.status).view('associate-wrong-passport', {
        title: refusal.title,
        message: refusal.message,
        retryUrl: freshSignIn(token),
      });
    }
    // A button, not an effect on GET: mail scanners open links too.
    return reply.view('associate-confirm', { link, action: `/associate/${token}` });
  });

  app.post<TokenRoute>('/associate/:token', async (request, reply) => {
    const { token } = request.params;
    const link = await linking.openLink(token);
    const visitor = currentVisitor(request);
    if (!visitor || !linking.signInIsFresh(link, visitor.authenticatedAt)) {
      return reply.redirect(freshSignIn(token), 303);
    }
    const profile = await linking.associate(token, visitor);
    // The header was drawn for the visitor before the association; draw it for the one after.
    await reloadVisitor(request, reply);
    return reply.view('associate-done', { profile });
  });

  app.get('/profiles/choose', async (request, reply) => {
    const visitor = signedIn(request, reply, '/profiles/choose');
    if (!visitor) return reply;
    if (visitor.profiles.length === 0) return reply.redirect('/associate', 303);
    return reply.view('profiles-choose', { profiles: visitor.profiles, current: visitor.profile?.id });
  });

  app.post('/profiles/choose', async (request, reply) => {
    const visitor = signedIn(request, reply, '/profiles/choose');
    if (!visitor) return reply;
    const form = parseForm(profileChoiceForm, request.body);
    await linking.chooseProfile(visitor, form.profile);
    return reply.redirect('/', 303);
  });

  // The personal profile is extranet data: the access rule (signed in, a chosen profile, a plan) holds.
  app.get('/profile', { preHandler: requireAccess }, async (request, reply) => {
    return reply.view('profile', profilePage(currentVisitor(request)!.profile!, request.language));
  });

  app.post('/profile/invite', { preHandler: requireAccess }, async (request, reply) => {
    const profile = currentVisitor(request)!.profile!;
    await linking.sendInvite(profile);
    return reply.view('profile-invite-sent', { email: profile.email });
  });
}

function associatePage(visitor: Visitor) {
  return { hasProfiles: visitor.profiles.length > 0 };
}

function profilePage(profile: NonNullable<Visitor['profile']>, language: Language) {
  return {
    profile,
    plan: profile.plan ?? undefined,
    lastPlanDay: profile.planEndsAt === null ? undefined : formatLastPlanDay(profile.planEndsAt, language),
  };
}
