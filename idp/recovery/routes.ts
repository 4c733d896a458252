import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, InvalidInput } from '../../shared/http/errors.ts';
import { parseForm } from '../../shared/http/form.ts';
import { COUNTRIES } from '../accounts/countries.ts';
import { interactionNamed } from '../interactions/current.ts';
import type { PageDeps } from '../page-deps.ts';
import { newPasswordForm, recoveryEmailForm, secretAnswerForm } from './forms.ts';
import { createRecoveryService, RecoveryDetailsWrong, type RequestOrigin } from './service.ts';

type RecoveryRoute = { Params: { uid?: string }; Body: Record<string, unknown> };
// A wildcard, not :token, so an over-long token still reaches us and gets a clear answer.
type ResetLinkRoute = { Params: { uid?: string; '*': string }; Body: Record<string, unknown> };
type Way = 'email' | 'answer';

// Standalone, and inside a sign-in interaction where "Forgot your password?" is linked.
const PATHS = ['/password/reset', '/interaction/:uid/forgot-password'];

const EMAIL_STEP: Record<Way, { title: string; lead: string; button: string }> = {
  email: {
    title: 'Reset your password by e-mail',
    lead: 'Enter the e-mail address of your Passport. We will send it a link to choose a new password.',
    button: 'Send me a link',
  },
  answer: {
    title: 'Reset your password with your secret answer',
    lead: 'Enter the e-mail address of your Passport. We will then ask your secret question.',
    button: 'Continue',
  },
};

export async function recoveryRoutes(app: FastifyInstance, deps: PageDeps) {
  const { provider, botCheck } = deps;
  const recovery = createRecoveryService({
    db: deps.db,
    provider,
    issuer: deps.config.issuer,
    mailQueued: deps.mailQueued,
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

  function showEmailStep(
    request: FastifyRequest<RecoveryRoute>,
    reply: FastifyReply,
    way: Way,
    email: unknown,
    error?: InvalidInput,
  ) {
    return reply.code(error ? error.status : 200).view('recovery-email', {
      ...EMAIL_STEP[way],
      action: `${basePath(request)}/${way}`,
      choiceUrl: basePath(request),
      email: typeof email === 'string' ? email.slice(0, 254) : '',
      error: error?.message,
      fieldErrors: error?.fieldErrors ?? {},
    });
  }

  async function showAnswerStep(
    request: FastifyRequest<RecoveryRoute>,
    reply: FastifyReply,
    submitted: Record<string, unknown>,
    error?: DomainError,
  ) {
    const parsed = recoveryEmailForm.safeParse({ email: submitted.email });
    if (!parsed.success) {
      return showEmailStep(
        request,
        reply,
        'answer',
        submitted.email,
        new InvalidInput({ email: parsed.error.issues[0]?.message ?? 'Enter a valid e-mail address.' }),
      );
    }
    const { email } = parsed.data;
    const kept = (field: string) =>
      typeof submitted[field] === 'string' ? String(submitted[field]).slice(0, 20) : '';
    return reply.code(error ? error.status : 200).view('recovery-answer', {
      action: `${basePath(request)}/answer/check`,
      otherAddressUrl: `${basePath(request)}/answer`,
      choiceUrl: basePath(request),
      email,
      question: await recovery.secretQuestionFor(email),
      values: { country: kept('country'), postal_code: kept('postal_code') },
      countries: COUNTRIES,
      error: error?.message,
      fieldErrors: error instanceof InvalidInput ? error.fieldErrors : {},
    });
  }

  function showNewPasswordStep(
    request: FastifyRequest<ResetLinkRoute>,
    reply: FastifyReply,
    error?: InvalidInput,
  ) {
    return reply.code(error ? error.status : 200).view('recovery-new-password', {
      action: `${basePath(request)}/link/${request.params['*']}`,
      error: error?.message,
      fieldErrors: error?.fieldErrors ?? {},
    });
  }

  async function showDone(request: FastifyRequest<RecoveryRoute>, reply: FastifyReply) {
    return reply.view('recovery-done', { signInUrl: await signInUrl(request, reply) });
  }

  function originOf(request: FastifyRequest): RequestOrigin {
    return { ip: request.ip, userAgent: request.headers['user-agent'] };
  }

  for (const path of PATHS) {
    app.get<RecoveryRoute>(path, async (request, reply) => {
      const uid = await liveInteraction(request, reply);
      return reply.view('recovery-choose', {
        base: basePath(request),
        signInUrl: uid ? `/interaction/${uid}` : undefined,
      });
    });

    app.get<RecoveryRoute>(`${path}/email`, async (request, reply) =>
      showEmailStep(request, reply, 'email', ''),
    );

    app.post<RecoveryRoute>(`${path}/email`, async (request, reply) => {
      let email: string;
      try {
        ({ email } = parseForm(recoveryEmailForm, request.body));
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        return showEmailStep(request, reply, 'email', request.body?.email, error);
      }
      // The link leads back into the interaction only when it was started from one in this browser.
      const uid = await liveInteraction(request, reply);
      const linkPath = uid ? `/interaction/${uid}/forgot-password` : '/password/reset';
      await recovery.requestResetLink(email, `${deps.config.issuer}${linkPath}/link/`);
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

    app.get<RecoveryRoute>(`${path}/answer`, async (request, reply) =>
      showEmailStep(request, reply, 'answer', ''),
    );

    // Known or not, the address gets a question page: an unknown one a decoy question.
    app.post<RecoveryRoute>(`${path}/answer`, async (request, reply) => {
      try {
        parseForm(recoveryEmailForm, request.body);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        return showEmailStep(request, reply, 'answer', request.body?.email, error);
      }
      return showAnswerStep(request, reply, request.body);
    });

    app.post<RecoveryRoute>(`${path}/answer/check`, async (request, reply) => {
      const body = request.body ?? {};
      try {
        const claim = parseForm(secretAnswerForm, body);
        if (!(await botCheck.verify(claim.altcha))) {
          throw new InvalidInput({
            altcha: 'Please complete the check that you are not a robot, then try again.',
          });
        }
        await recovery.resetWithAnswer(claim, originOf(request));
      } catch (error) {
        if (!(error instanceof InvalidInput || error instanceof RecoveryDetailsWrong)) throw error;
        return showAnswerStep(request, reply, body, error);
      }
      return showDone(request, reply);
    });
  }
}
