import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, InvalidInput, NotFound } from '../../shared/http/errors.ts';
import { parseForm } from '../../shared/http/form.ts';
import { type FormShape, formLocals, formStatus } from '../../shared/http/form-page.ts';
import type { Translate } from '../../shared/i18n/catalogues.ts';
import { questionText } from '../accounts/secret-questions.ts';
import { interactionNamed } from '../interactions/current.ts';
import { deviceIdsOf } from '../interactions/remembered-accounts.ts';
import type { PageDeps } from '../page-deps.ts';
import { createSecretGuard, RetryLater } from '../throttling/guard.ts';
import { newPasswordForm, recoveryEmailForm, secretAnswerForm } from './forms.ts';
import { createRecoveryService, NoSecretAnswer, type RequestOrigin, SecretAnswerNotHere } from './service.ts';

type RecoveryRoute = { Params: { uid?: string }; Body: Record<string, unknown> };
// A wildcard, not :token, so an over-long token still reaches us and gets a clear answer.
type ResetLinkRoute = { Params: { uid?: string; '*': string }; Body: Record<string, unknown> };
type Way = 'email' | 'answer';

// Standalone, and inside a sign-in interaction where "Forgot your password?" is linked.
const PATHS = ['/password/reset', '/interaction/:uid/forgot-password'];

const EMAIL_FORM: FormShape = { fields: ['email'] };
const ANSWER_FORM: FormShape = {
  fields: ['answer', 'password', 'password2', 'altcha'],
  secrets: ['password', 'password2', 'altcha'],
};
const NEW_PASSWORD_FORM: FormShape = {
  fields: ['password', 'password2'],
  secrets: ['password', 'password2'],
};

/** The first step of each way, worded by the catalogue's `recovery.<way>_step.*`. */
function emailStep(t: Translate, way: Way) {
  return {
    title: t(`recovery.${way}_step.title`),
    lead: t(`recovery.${way}_step.lead`),
    button: t(`recovery.${way}_step.button`),
  };
}

export async function recoveryRoutes(app: FastifyInstance, deps: PageDeps) {
  const { provider } = deps;
  const { secretAnswerReset } = deps.config;
  const recovery = createRecoveryService({
    db: deps.db,
    shortLived: deps.shortLived,
    provider,
    issuer: deps.config.issuer,
    mailQueued: deps.mailQueued,
    // The form always carries the bot check; the guard verifies it, once.
    secretAnswerGuard: createSecretGuard({
      db: deps.db,
      counters: deps.shortLived.counters,
      botCheck: deps.botCheck,
      mailQueued: deps.mailQueued,
      secret: 'secret-answer',
      botCheckAlways: true,
      noScriptPerHour: deps.config.noScriptFormsPerHour,
    }),
  });

  function basePath(request: FastifyRequest<RecoveryRoute>): string {
    const { uid } = request.params;
    return uid ? `/interaction/${encodeURIComponent(uid)}/forgot-password` : '/password/reset';
  }

  /** The sign-in interaction this browser is in, when the path names it; else none. */
  async function liveInteraction(request: FastifyRequest<RecoveryRoute>, reply: FastifyReply) {
    return (await interactionNamed(provider, request, reply, request.params.uid))?.uid;
  }

  async function signInUrl(request: FastifyRequest<RecoveryRoute>, reply: FastifyReply): Promise<string> {
    const uid = await liveInteraction(request, reply);
    return uid ? `/interaction/${uid}` : '/';
  }

  /** Where a mailed link leads: back into the interaction only when it was started from one in this browser. */
  async function linkBase(request: FastifyRequest<RecoveryRoute>, reply: FastifyReply): Promise<string> {
    const uid = await liveInteraction(request, reply);
    const linkPath = uid ? `/interaction/${uid}/forgot-password` : '/password/reset';
    return `${deps.config.issuer}${linkPath}/link/`;
  }

  function showEmailStep(
    request: FastifyRequest<RecoveryRoute>,
    reply: FastifyReply,
    way: Way,
    body?: unknown,
    refusal?: InvalidInput,
  ) {
    return reply.code(formStatus(refusal)).view('recovery-email', {
      ...emailStep(request.t, way),
      action: `${basePath(request)}/${way}`,
      choiceUrl: basePath(request),
      ...formLocals(EMAIL_FORM, body, refusal),
    });
  }

  function showAnswerStep(
    request: FastifyRequest<RecoveryRoute>,
    reply: FastifyReply,
    asked: { email: string; question: string },
    body?: unknown,
    refusal?: DomainError,
  ) {
    if (refusal instanceof RetryLater) reply.header('retry-after', String(refusal.retryAfterSeconds));
    return reply.code(formStatus(refusal)).view('recovery-answer', {
      action: `${basePath(request)}/answer/check`,
      otherAddressUrl: `${basePath(request)}/answer`,
      choiceUrl: basePath(request),
      ...asked,
      question: questionText(asked.question, request.t),
      ...formLocals(ANSWER_FORM, body, refusal),
    });
  }

  function showNewPasswordStep(
    request: FastifyRequest<ResetLinkRoute>,
    reply: FastifyReply,
    refusal?: InvalidInput,
  ) {
    return reply.code(formStatus(refusal)).view('recovery-new-password', {
      action: `${basePath(request)}/link/${request.params['*']}`,
      ...formLocals(NEW_PASSWORD_FORM, undefined, refusal),
    });
  }

  function showDisownStep(
    request: FastifyRequest<ResetLinkRoute>,
    reply: FastifyReply,
    refusal?: InvalidInput,
  ) {
    return reply.code(formStatus(refusal)).view('recovery-not-me', {
      action: `/password/not-me/${request.params['*']}`,
      ...formLocals(NEW_PASSWORD_FORM, undefined, refusal),
    });
  }

  async function showDone(request: FastifyRequest<RecoveryRoute>, reply: FastifyReply) {
    return reply.view('recovery-done', { signInUrl: await signInUrl(request, reply) });
  }

  function originOf(request: FastifyRequest): RequestOrigin {
    return {
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      deviceIds: deviceIdsOf(request),
    };
  }

  function answerWayOff() {
    return new NotFound('errors.not_found.answer_way_off');
  }

  for (const path of PATHS) {
    app.get<RecoveryRoute>(path, async (request, reply) => {
      const uid = await liveInteraction(request, reply);
      return reply.view('recovery-choose', {
        base: basePath(request),
        signInUrl: uid ? `/interaction/${uid}` : undefined,
        secretAnswerReset,
      });
    });

    app.get<RecoveryRoute>(`${path}/email`, async (request, reply) => showEmailStep(request, reply, 'email'));

    app.post<RecoveryRoute>(`${path}/email`, async (request, reply) => {
      let email: string;
      try {
        ({ email } = parseForm(recoveryEmailForm, request.body));
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        return showEmailStep(request, reply, 'email', request.body, error);
      }
      await recovery.requestResetLink(email, await linkBase(request, reply));
      // The same page whether or not the address has an account.
      return reply.view('recovery-link-sent', { email });
    });

    // Opening the link only shows the form: mail scanners that fetch links must not spend it.
    app.get<ResetLinkRoute>(`${path}/link/*`, async (request, reply) => {
      await recovery.checkResetLink(request.params['*']);
      return showNewPasswordStep(request, reply);
    });

    app.post<ResetLinkRoute>(`${path}/link/*`, async (request, reply) => {
      const token = request.params['*'];
      // A spent or expired link says so, rather than complaining about the form.
      await recovery.checkResetLink(token);
      try {
        const { newPassword } = parseForm(newPasswordForm, request.body);
        await recovery.resetWithLink(token, newPassword, originOf(request));
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        return showNewPasswordStep(request, reply, error);
      }
      return showDone(request, reply);
    });

    app.get<RecoveryRoute>(`${path}/answer`, async (request, reply) => {
      if (!secretAnswerReset) throw answerWayOff();
      return showEmailStep(request, reply, 'answer');
    });

    app.post<RecoveryRoute>(`${path}/answer`, async (request, reply) => {
      if (!secretAnswerReset) throw answerWayOff();
      let email: string;
      try {
        ({ email } = parseForm(recoveryEmailForm, request.body));
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        return showEmailStep(request, reply, 'answer', request.body, error);
      }
      let question: string;
      try {
        question = await recovery.askedQuestion(email, originOf(request));
      } catch (error) {
        if (!(error instanceof SecretAnswerNotHere || error instanceof NoSecretAnswer)) throw error;
        // The same page whether or not the address has an account.
        await recovery.requestResetLink(email, await linkBase(request, reply));
        return reply.view('recovery-link-sent', { email, answerNotHere: true });
      }
      return showAnswerStep(request, reply, { email, question });
    });

    app.post<RecoveryRoute>(`${path}/answer/check`, async (request, reply) => {
      if (!secretAnswerReset) throw answerWayOff();
      const body = request.body ?? {};
      const address = recoveryEmailForm.safeParse({ email: body.email });
      if (!address.success) {
        const message = address.error.issues[0]?.message ?? request.t('form.email_invalid');
        return showEmailStep(request, reply, 'answer', body, new InvalidInput({ email: message }));
      }
      const { email } = address.data;
      // A browser that may not answer is told so before the rest of the form is looked at.
      const question = await recovery.askedQuestion(email, originOf(request));
      try {
        const claim = parseForm(secretAnswerForm, body);
        await recovery.resetWithAnswer(claim, originOf(request));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return showAnswerStep(request, reply, { email, question }, body, error);
      }
      return showDone(request, reply);
    });
  }

  // Opening the link only shows the form: mail scanners that fetch links must not spend it.
  app.get<ResetLinkRoute>('/password/not-me/*', async (request, reply) => {
    await recovery.checkDisownLink(request.params['*']);
    return showDisownStep(request, reply);
  });

  app.post<ResetLinkRoute>('/password/not-me/*', async (request, reply) => {
    const token = request.params['*'];
    await recovery.checkDisownLink(token);
    try {
      const { newPassword } = parseForm(newPasswordForm, request.body);
      await recovery.disownReset(token, newPassword, originOf(request));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return showDisownStep(request, reply, error);
    }
    return reply.view('recovery-not-me-done', {});
  });
}
