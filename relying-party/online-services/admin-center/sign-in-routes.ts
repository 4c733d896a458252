import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainError } from '../../../shared/http/errors.ts';
import { parseForm } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import { actorOf } from './access.ts';
import { showForm, submit } from './form-pages.ts';
import { changePasswordForm, ownAdministratorForm, PASSWORD_MIN_LENGTH, signInForm } from './forms.ts';
import type { CenterService } from './service.ts';
import { DEVICE_COOKIE, SESSION_COOKIE } from './sessions.ts';

type Body = Record<string, unknown>;

const SIGN_IN_FORM: FormShape = { fields: ['user_name', 'password'], secrets: ['password'] };
const CHANGE_PASSWORD_FORM: FormShape = {
  fields: ['current_password', 'new_password', 'retype_password'],
  secrets: ['current_password', 'new_password', 'retype_password'],
};
const OWN_ADMINISTRATOR_FORM: FormShape = {
  fields: ['user_name', 'display_name', 'contact_email', 'new_password', 'retype_password'],
  secrets: ['new_password', 'retype_password'],
};

const DEVICE_COOKIE_SECONDS = 365 * 24 * 60 * 60;

/** Sign-in, sign-out, the forced password change and the service administrator's own account. */
export async function signInRoutes(
  app: FastifyInstance,
  { center, secure }: { center: CenterService; secure: boolean },
) {
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
  const startSession = (reply: FastifyReply, sessionId: string) =>
    reply.setCookie(SESSION_COOKIE, sessionId, cookieOptions);

  const showSignIn = (reply: FastifyReply, request: FastifyRequest, refusal?: DomainError) =>
    showForm(
      reply,
      'sign-in',
      SIGN_IN_FORM,
      { signedOut: (request.query as { signed_out?: unknown }).signed_out === '1' && !refusal },
      refusal,
      request.body,
    );

  app.get('/sign-in', async (request, reply) => {
    if (request.actor) return reply.redirect('/', 303);
    return showSignIn(reply, request);
  });

  app.post<{ Body: Body }>('/sign-in', async (request, reply) =>
    submit(
      async () => {
        const form = parseForm(signInForm, request.body);
        const signedIn = await center.signIn({
          userName: form.user_name,
          password: form.password,
          deviceId: request.cookies[DEVICE_COOKIE],
          address: request.ip,
        });
        // A new session id on every sign-in: whatever id the browser held before is worthless.
        if (request.actor) await center.signOut(request.actor);
        startSession(reply, signedIn.sessionId);
        reply.setCookie(DEVICE_COOKIE, signedIn.deviceId, {
          ...cookieOptions,
          maxAge: DEVICE_COOKIE_SECONDS,
        });
        return reply.redirect(signedIn.stage === 'change_password' ? '/password' : '/', 303);
      },
      (refusal) => showSignIn(reply, request, refusal),
    ),
  );

  app.post('/sign-out', async (request, reply) => {
    if (request.actor) await center.signOut(request.actor);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.redirect('/sign-in?signed_out=1', 303);
  });

  const showChangePassword = (reply: FastifyReply, request: FastifyRequest, refusal?: DomainError) =>
    showForm(
      reply,
      'change-password',
      CHANGE_PASSWORD_FORM,
      { temporary: actorOf(request).stage === 'change_password', minLength: PASSWORD_MIN_LENGTH },
      refusal,
      request.body,
    );

  app.get('/password', async (request, reply) => {
    if (!request.actor) return reply.redirect('/sign-in', 303);
    return showChangePassword(reply, request);
  });

  app.post<{ Body: Body }>('/password', async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply.redirect('/sign-in', 303);
    return submit(
      async () => {
        const form = parseForm(changePasswordForm(actor.stage === 'change_password'), request.body);
        const { sessionId } = await center.changePassword(
          actor,
          { current: form.current_password, next: form.new_password },
          request.ip,
        );
        startSession(reply, sessionId);
        return reply.redirect('/?done=password-changed', 303);
      },
      (refusal) => showChangePassword(reply, request, refusal),
    );
  });

  const showOwnAdministrator = (reply: FastifyReply, request: FastifyRequest, refusal?: DomainError) =>
    showForm(
      reply,
      'own-administrator',
      OWN_ADMINISTRATOR_FORM,
      { domain: actorOf(request).domain, minLength: PASSWORD_MIN_LENGTH },
      refusal,
      request.body,
    );

  /** Open to a fully signed-in service administrator whose company has no administrator account yet. */
  async function mayCreateOwnAccount(request: FastifyRequest, reply: FastifyReply) {
    const actor = request.actor;
    if (!actor) return reply.redirect('/sign-in', 303);
    if (actor.stage === 'change_password') return reply.redirect('/password', 303);
    if (!(await center.needsOwnAccount(actor))) return reply.redirect('/', 303);
  }

  app.get('/administrator/new', { preHandler: mayCreateOwnAccount }, async (request, reply) =>
    showOwnAdministrator(reply, request),
  );

  app.post<{ Body: Body }>(
    '/administrator/new',
    { preHandler: mayCreateOwnAccount },
    async (request, reply) =>
      submit(
        async () => {
          const form = parseForm(ownAdministratorForm, request.body);
          const created = await center.createOwnAdministrator(actorOf(request), {
            localPart: form.user_name,
            displayName: form.display_name,
            contactEmail: form.contact_email,
            password: form.new_password,
          });
          return reply.view('own-administrator-done', { userName: created.userName });
        },
        (refusal) => showOwnAdministrator(reply, request, refusal),
      ),
  );
}
