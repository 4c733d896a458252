import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, NotFound } from '../../../shared/http/errors.ts';
import { parseForm } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import { formatDateTime } from '../../../shared/i18n/dates.ts';
import { LANGUAGE_NAMES, LANGUAGES } from '../../../shared/i18n/languages.ts';
import { actorOf, signedInOnly } from './access.ts';
import { showForm, submit } from './form-pages.ts';
import { newUserForm, recordId, serviceForm, serviceKey, settingsForm, TIME_ZONES } from './forms.ts';
import { type CenterService, isAdministrator } from './service.ts';

type Body = Record<string, unknown>;
type UserRoute = { Params: { id: string }; Body: Body };

const NEW_USER_FORM: FormShape = { fields: ['user_name', 'display_name', 'contact_email', 'role'] };
const SETTINGS_FORM: FormShape = { fields: ['company_name', 'contact_email', 'language', 'time_zone'] };

/** What a page says after a change (the change redirects to it): catalogue keys `notices.*`. */
const NOTICES = new Set([
  'password-changed',
  'settings-saved',
  'service-saved',
  'user-disabled',
  'user-enabled',
]);

function noticeOf(request: FastifyRequest): string | undefined {
  const done = (request.query as { done?: unknown }).done;
  return typeof done === 'string' && NOTICES.has(done) ? request.t(`notices.${done}`) : undefined;
}

function userIdOf(request: FastifyRequest<UserRoute>): string {
  const id = recordId.safeParse(request.params.id);
  if (!id.success) throw new NotFound();
  return id.data;
}

/** Company settings, user accounts, subscribed services and the audit: administrators only (users see their own page). */
export async function manageRoutes(app: FastifyInstance, { center }: { center: CenterService }) {
  app.addHook('preHandler', signedInOnly(center.needsOwnAccount));

  const when = (request: FastifyRequest, at: number | null) =>
    at === null ? null : formatDateTime(new Date(at), request.language, actorOf(request).timeZone);

  app.get('/', async (request, reply) => {
    const actor = actorOf(request);
    return reply.view('home', { administrator: isAdministrator(actor), notice: noticeOf(request) });
  });

  app.get('/users', async (request, reply) => {
    const users = await center.listUsers(actorOf(request));
    return reply.view('users', {
      users: users.map((user) => ({ ...user, lastSignIn: when(request, user.last_sign_in_at) })),
      notice: noticeOf(request),
    });
  });

  const showNewUser = (reply: FastifyReply, request: FastifyRequest, refusal?: DomainError) =>
    showForm(reply, 'user-new', NEW_USER_FORM, { domain: actorOf(request).domain }, refusal, request.body);

  app.get('/users/new', async (request, reply) => {
    await center.listUsers(actorOf(request));
    return showNewUser(reply, request);
  });

  app.post<{ Body: Body }>('/users', async (request, reply) =>
    submit(
      async () => {
        const actor = actorOf(request);
        // Rights before the form: a user's forged post is refused whatever it holds.
        await center.listUsers(actor);
        const form = parseForm(newUserForm, request.body);
        const created = await center.createUser(actor, {
          localPart: form.user_name,
          displayName: form.display_name,
          contactEmail: form.contact_email,
          role: form.role,
        });
        // Shown once, on this answer only: nothing stores it in clear, no page shows it again.
        return reply.code(201).view('temporary-password', {
          heading: request.t('users.created_title'),
          userName: created.userName,
          temporaryPassword: created.temporaryPassword,
        });
      },
      (refusal) => showNewUser(reply, request, refusal),
    ),
  );

  app.get<UserRoute>('/users/:id', async (request, reply) => {
    const actor = actorOf(request);
    const user = await center.user(actor, userIdOf(request));
    return reply.view('user', {
      user: { ...user, lastSignIn: when(request, user.last_sign_in_at) },
      isSelf: user.id === actor.userId,
      notice: noticeOf(request),
    });
  });

  app.post<UserRoute>('/users/:id/reset-password', async (request, reply) => {
    const reset = await center.resetPassword(actorOf(request), userIdOf(request));
    return reply.view('temporary-password', {
      heading: request.t('users.reset_title'),
      userName: reset.userName,
      temporaryPassword: reset.temporaryPassword,
    });
  });

  app.post<UserRoute>('/users/:id/disable', async (request, reply) => {
    const id = userIdOf(request);
    await center.setUserDisabled(actorOf(request), id, true);
    return reply.redirect(`/users/${id}?done=user-disabled`, 303);
  });

  app.post<UserRoute>('/users/:id/enable', async (request, reply) => {
    const id = userIdOf(request);
    await center.setUserDisabled(actorOf(request), id, false);
    return reply.redirect(`/users/${id}?done=user-enabled`, 303);
  });

  const settingsChoices = {
    languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code] })),
    timeZones: TIME_ZONES,
  };

  app.get('/settings', async (request, reply) => {
    const tenant = await center.settings(actorOf(request));
    return reply.view('settings', {
      ...settingsChoices,
      values: {
        company_name: tenant.company_name,
        contact_email: tenant.contact_email ?? '',
        language: tenant.language,
        time_zone: tenant.time_zone,
      },
      fieldErrors: {},
      summary: [],
      domain: tenant.domain,
      notice: noticeOf(request),
    });
  });

  app.post<{ Body: Body }>('/settings', async (request, reply) =>
    submit(
      async () => {
        const actor = actorOf(request);
        await center.settings(actor);
        const form = parseForm(settingsForm, request.body);
        await center.saveSettings(actor, {
          companyName: form.company_name,
          contactEmail: form.contact_email,
          language: form.language,
          timeZone: form.time_zone,
        });
        return reply.redirect('/settings?done=settings-saved', 303);
      },
      (refusal) =>
        showForm(
          reply,
          'settings',
          SETTINGS_FORM,
          { ...settingsChoices, domain: actorOf(request).domain },
          refusal,
          request.body,
        ),
    ),
  );

  app.get('/services', async (request, reply) => {
    const services = await center.services(actorOf(request));
    return reply.view('services', { services, notice: noticeOf(request) });
  });

  app.post<{ Params: { key: string }; Body: Body }>('/services/:key', async (request, reply) => {
    const actor = actorOf(request);
    await center.services(actor);
    const key = serviceKey.safeParse(request.params.key);
    if (!key.success) throw new NotFound();
    const form = parseForm(serviceForm, request.body);
    await center.setService(actor, key.data, form.enabled === 'yes');
    return reply.redirect('/services?done=service-saved', 303);
  });

  app.get('/audit', async (request, reply) => {
    const entries = await center.audit(actorOf(request));
    return reply.view('audit', {
      entries: entries.map((entry) => ({ ...entry, when: when(request, entry.at) })),
    });
  });
}
