import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseForm } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import { actorOf, requireAccess, requireAdministrator } from './access.ts';
import { type Body, type FormRefusal, showForm, submit } from './form-pages.ts';
import { administratorForm, profileForm, recordId } from './forms.ts';
import type { ProfileListing } from './repository.ts';
import { type OrganizationService, ProfileNotFound } from './service.ts';

type ProfileRoute = { Params: { id: string }; Body: Body };

/** What a page says after a change (the change redirects to it): catalogue keys `account.done.*`. */
const DONE = new Set([
  'added',
  'added-invited',
  'saved',
  'saved-invited',
  'invited',
  'admin-granted',
  'admin-revoked',
  'removed',
]);

const PROFILE_FORM: FormShape = { fields: ['name', 'email', 'is_admin', 'send_invite'] };

function noticeOf(request: FastifyRequest): string | undefined {
  const done = (request.query as { done?: unknown }).done;
  return typeof done === 'string' && DONE.has(done) ? request.t(`account.done.${done}`) : undefined;
}

function profileIdOf(request: FastifyRequest<ProfileRoute>): string {
  const id = recordId.safeParse(request.params.id);
  if (!id.success) throw new ProfileNotFound();
  return id.data;
}

/**
 * My Account > Account Information > Our CustomerSource Accounts (seed 001):
 * administrators manage their own organization's profiles, and nothing else.
 */
export async function companyAdministrationRoutes(
  app: FastifyInstance,
  { service }: { service: OrganizationService },
) {
  // Every page and action here: signed in, a current plan, an administrator. Then
  // every query is scoped to the administrator's own organization.
  app.addHook('preHandler', requireAccess);
  app.addHook('preHandler', requireAdministrator);

  app.get('/account', async (request, reply) => {
    return reply.view('account', { organizationName: actorOf(request).organizationName });
  });

  app.get('/account/profiles', async (request, reply) => {
    const actor = actorOf(request);
    return reply.view('account-profiles', {
      organizationName: actor.organizationName,
      profiles: await service.listProfiles(actor),
      selfId: actor.profileId,
      notice: noticeOf(request),
    });
  });

  const showNewProfileForm = (reply: FastifyReply, request: FastifyRequest, refusal?: FormRefusal) =>
    showForm(
      reply,
      'account-profile-new',
      {
        organizationName: actorOf(request).organizationName,
      },
      refusal,
      { shape: PROFILE_FORM, body: request.body },
    );

  app.get('/account/profiles/new', async (request, reply) => showNewProfileForm(reply, request));

  app.post<{ Body: Body }>('/account/profiles', async (request, reply) => {
    return submit(
      async () => {
        const form = parseForm(profileForm, request.body);
        const added = await service.addProfile(actorOf(request), {
          name: form.name,
          email: form.email,
          isAdmin: form.is_admin,
          sendInvite: form.send_invite,
        });
        return reply.redirect(`/account/profiles?done=${added.invited ? 'added-invited' : 'added'}`, 303);
      },
      (refusal) => showNewProfileForm(reply, request, refusal),
    );
  });

  const showProfile = (
    reply: FastifyReply,
    request: FastifyRequest,
    profile: ProfileListing,
    refusal?: FormRefusal,
  ) =>
    showForm(
      reply,
      'account-profile',
      {
        profile,
        isSelf: profile.id === actorOf(request).profileId,
        ...(refusal
          ? {}
          : { values: { name: profile.name, email: profile.email, is_admin: profile.isAdmin ? 'yes' : '' } }),
        notice: refusal ? undefined : noticeOf(request),
      },
      refusal,
      { shape: PROFILE_FORM, body: request.body },
    );

  app.get<ProfileRoute>('/account/profiles/:id', async (request, reply) => {
    const profile = await service.profile(actorOf(request), profileIdOf(request));
    return showProfile(reply, request, profile);
  });

  app.post<ProfileRoute>('/account/profiles/:id', async (request, reply) => {
    const actor = actorOf(request);
    const profileId = profileIdOf(request);
    return submit(
      async () => {
        const form = parseForm(profileForm, request.body);
        const saved = await service.changeProfile(actor, profileId, {
          name: form.name,
          email: form.email,
          isAdmin: form.is_admin,
          sendInvite: form.send_invite,
        });
        return reply.redirect(
          `/account/profiles/${profileId}?done=${saved.invited ? 'saved-invited' : 'saved'}`,
          303,
        );
      },
      async (refusal) => showProfile(reply, request, await service.profile(actor, profileId), refusal),
    );
  });

  app.post<ProfileRoute>('/account/profiles/:id/invite', async (request, reply) => {
    const profileId = profileIdOf(request);
    await service.resendInvite(actorOf(request), profileId);
    return reply.redirect(`/account/profiles/${profileId}?done=invited`, 303);
  });

  app.post<ProfileRoute>('/account/profiles/:id/administrator', async (request, reply) => {
    const profileId = profileIdOf(request);
    const { administrator } = parseForm(administratorForm, request.body);
    await service.setAdministrator(actorOf(request), profileId, administrator === 'yes');
    const done = administrator === 'yes' ? 'admin-granted' : 'admin-revoked';
    return reply.redirect(`/account/profiles/${profileId}?done=${done}`, 303);
  });

  // Removal asks first: a plain link must never remove anyone.
  app.get<ProfileRoute>('/account/profiles/:id/remove', async (request, reply) => {
    const actor = actorOf(request);
    const profile = await service.profile(actor, profileIdOf(request));
    return reply.view('account-profile-remove', { profile, isSelf: profile.id === actor.profileId });
  });

  app.post<ProfileRoute>('/account/profiles/:id/remove', async (request, reply) => {
    const removed = await service.removeProfile(actorOf(request), profileIdOf(request));
    // Whoever removes their own profile has just ended their own session too.
    return reply.redirect(removed.removedSelf ? '/' : '/account/profiles?done=removed', 303);
  });
}
