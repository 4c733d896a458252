import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, SessionExpired } from '../../shared/http/errors.ts';
import { parseForm } from '../../shared/http/form.ts';
import { type FormShape, formLocals } from '../../shared/http/form-page.ts';
import type { Translate } from '../../shared/i18n/catalogues.ts';
import { formatDate } from '../../shared/i18n/dates.ts';
import { currentSession, strongestFactorRecently } from '../account-services/session.ts';
import { ACCOUNT_CLIENT_ID } from '../account-services/sign-in.ts';
import { questionChoices, questionText } from '../accounts/secret-questions.ts';
import { type Interaction, requireInteraction } from '../interactions/current.ts';
import { leadOnIfFinished } from '../interactions/finished.ts';
import { deviceIdsOf } from '../interactions/remembered-accounts.ts';
import { siteName } from '../interactions/site-name.ts';
import { ACR_STRONG } from '../oidc/acr.ts';
import { SECURITY_KEY_PROMPT } from '../oidc/policy.ts';
import type { PageDeps } from '../page-deps.ts';
import { asksForBotCheck, RetryLater } from '../throttling/guard.ts';
import { answersForm, keyForm, newKeyForm, setUpForm } from './forms.ts';
import { type Attempt, createSecurityKeyService, type StepOwner } from './service.ts';

// In page order; the keys and the bot check's proof are never sent back, the answers are.
const KEY_FORM: FormShape = { fields: ['key', 'altcha'], secrets: ['key', 'altcha'] };
const NEW_KEY_FORM: FormShape = { fields: ['key', 'key2'], secrets: ['key', 'key2'] };
const SET_UP_FORM: FormShape = {
  fields: ['key', 'key2', 'question1', 'answer1', 'question2', 'answer2', 'question3', 'answer3'],
  secrets: ['key', 'key2'],
};
const ANSWERS_FORM: FormShape = { fields: ['answer1', 'answer2', 'answer3', 'altcha'], secrets: ['altcha'] };

type UidParams = { Params: { uid: string } };
type NoticeQuery = { Querystring: { notice?: string } };

/** A change begun in account services waits this long for its answers to be confirmed. */
const ACCOUNT_STEP_TTL_MS = 30 * 60 * 1000;
const ACCOUNT_PAGE = '/account/security-key';

/** After a redirect, the key page says what just happened (`security_key.notices.<key>`). */
const NOTICES: Record<string, string> = { 'set-up': 'set_up', reset: 'reset' };

/**
 * The security key: the step-up inside a sign-in interaction (set-up, answer
 * confirmation, the key, and its reset through the three questions) and the
 * account services page where the owner changes it.
 */
export async function securityKeyRoutes(app: FastifyInstance, deps: PageDeps) {
  const { provider } = deps;
  const keys = createSecurityKeyService(deps);

  /** The interaction of this browser, at the security key step, and whose account it is for. */
  async function stepUp(request: FastifyRequest<UidParams>, reply: FastifyReply) {
    const interaction = await requireInteraction(provider, request, reply, request.params.uid);
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== SECURITY_KEY_PROMPT || !accountId) throw new SessionExpired();
    const base = `/interaction/${interaction.uid}/security-key`;
    return {
      interaction,
      accountId,
      base,
      owner: `interaction:${interaction.uid}` as StepOwner,
      // The session of this browser survives a key it replaces; every other one ends.
      sessionId: interaction.session!.cookie,
      // A half-done change lives no longer than the sign-in it belongs to.
      expiresAt: interaction.exp * 1000,
      attempt: attemptOf(request, String(interaction.params.client_id)),
      pageFrame: {
        cancelAction: `/interaction/${interaction.uid}/abort`,
        signInUrl: `/interaction/${interaction.uid}/sign-in`,
        fieldErrors: {} as Record<string, string>,
      },
    };
  }

  async function clientName(interaction: Interaction, t: Translate): Promise<string | undefined> {
    return siteName(await provider.Client.find(String(interaction.params.client_id)), t);
  }

  // The key page.

  app.get<UidParams & NoticeQuery>('/interaction/:uid/security-key', async (request, reply) => {
    // Back after the key took the person on: signed in, so a way on rather than "expired".
    const ledOn = await leadOnIfFinished(provider, request, reply, request.params.uid);
    if (ledOn) return ledOn;
    const step = await stepUp(request, reply);
    if (!(await keys.keyStatus(step.accountId))) return reply.redirect(`${step.base}/set-up`, 303);
    const notice = NOTICES[request.query.notice ?? ''];
    return showKeyPage(reply, step, {
      notice: notice ? request.t(`security_key.notices.${notice}`) : undefined,
    });
  });

  app.post<UidParams>('/interaction/:uid/security-key', async (request, reply) => {
    const step = await stepUp(request, reply);
    try {
      const { key, altcha } = parseForm(keyForm, request.body);
      await keys.verifyKey(step.accountId, key, {
        from: step.attempt,
        botCheck: altcha,
        deviceIds: deviceIdsOf(request),
      });
    } catch (error) {
      return showKeyPage(reply, step, refusal(reply, error, request.body));
    }
    const session = await provider.Session.find(step.interaction.session!.cookie);
    if (session?.accountId !== step.accountId) throw new SessionExpired();
    const returnTo = await provider.interactionResult(
      request.raw,
      reply.raw,
      {
        login: {
          accountId: step.accountId,
          acr: ACR_STRONG,
          amr: ['pwd', 'pin'],
          // auth_time stays the password's: max_age measures from the older of the two secrets.
          ts: session.loginTs,
          remember: !session.transient,
        },
      },
      { mergeWithLastSubmission: true },
    );
    return reply.redirect(returnTo, 303);
  });

  async function showKeyPage(
    reply: FastifyReply,
    step: Awaited<ReturnType<typeof stepUp>>,
    page: { notice?: string; error?: DomainError; botCheck?: boolean },
  ) {
    return reply.code(page.error?.status ?? 200).view('security-key', {
      ...step.pageFrame,
      ...formLocals(KEY_FORM, undefined, page.error),
      botCheck: page.botCheck ?? false,
      action: step.base,
      notice: page.notice,
      clientName: await clientName(step.interaction, reply.request.t),
      // The account pages' own step-up: the person is changing their Passport, not visiting a site.
      forAccountChange: step.interaction.params.client_id === ACCOUNT_CLIENT_ID,
      email: await keys.emailOf(step.accountId),
      resetUrl: `${step.base}/reset`,
    });
  }

  // Set-up and confirmation, for an account without a key.

  app.get<UidParams>('/interaction/:uid/security-key/set-up', async (request, reply) => {
    const step = await stepUp(request, reply);
    if (await keys.keyStatus(step.accountId)) return reply.redirect(step.base, 303);
    return reply.view('security-key-set-up', {
      ...step.pageFrame,
      ...setUpPage(request.t, await clientName(step.interaction, request.t)),
      action: `${step.base}/set-up`,
      values: {},
    });
  });

  app.post<UidParams>('/interaction/:uid/security-key/set-up', async (request, reply) => {
    const step = await stepUp(request, reply);
    if (await keys.keyStatus(step.accountId)) return reply.redirect(step.base, 303);
    try {
      const choice = parseForm(setUpForm, request.body);
      await keys.proposeSetUp(step.owner, step.accountId, choice, step.expiresAt);
    } catch (error) {
      return reply.code(statusOf(error)).view('security-key-set-up', {
        ...step.pageFrame,
        ...setUpPage(request.t, await clientName(step.interaction, request.t)),
        ...formLocals(SET_UP_FORM, request.body, shown(error)),
        action: `${step.base}/set-up`,
      });
    }
    return reply.redirect(`${step.base}/confirm`, 303);
  });

  app.get<UidParams>('/interaction/:uid/security-key/confirm', async (request, reply) => {
    const step = await stepUp(request, reply);
    const questions = await keys.questionsToConfirm(step.owner, step.accountId);
    if (!questions) return reply.redirect(`${step.base}/set-up`, 303);
    return reply.view('security-key-answers', {
      ...step.pageFrame,
      ...confirmPage(request.t, questions),
      action: `${step.base}/confirm`,
      restartUrl: `${step.base}/set-up`,
    });
  });

  app.post<UidParams>('/interaction/:uid/security-key/confirm', async (request, reply) => {
    const step = await stepUp(request, reply);
    // A key set meanwhile (in another tab) is changed in account services, not here.
    if (await keys.keyStatus(step.accountId)) return reply.redirect(step.base, 303);
    try {
      const { answers } = parseForm(answersForm, request.body);
      await keys.confirmSetUp(step.owner, step.accountId, answers, step.attempt, step.sessionId);
    } catch (error) {
      const questions = await keys.questionsToConfirm(step.owner, step.accountId);
      // Without a pending set-up (too many mistakes, or expired) the person chooses again.
      if (!questions) {
        return reply.code(statusOf(error)).view('security-key-set-up', {
          ...step.pageFrame,
          ...setUpPage(request.t, await clientName(step.interaction, request.t)),
          ...formLocals(SET_UP_FORM, undefined, shown(error)),
          action: `${step.base}/set-up`,
        });
      }
      return reply.code(statusOf(error)).view('security-key-answers', {
        ...step.pageFrame,
        ...confirmPage(request.t, questions),
        ...formLocals(ANSWERS_FORM, request.body, shown(error)),
        action: `${step.base}/confirm`,
        restartUrl: `${step.base}/set-up`,
      });
    }
    return reply.redirect(`${step.base}?notice=set-up`, 303);
  });

  // "Reset your security key": the three answers, then a new key.

  app.get<UidParams>('/interaction/:uid/security-key/reset', async (request, reply) => {
    const step = await stepUp(request, reply);
    const status = await keys.keyStatus(step.accountId);
    if (!status) return reply.redirect(`${step.base}/set-up`, 303);
    return reply.view('security-key-answers', {
      ...step.pageFrame,
      ...resetPage(request.t, status.questions),
      action: `${step.base}/reset`,
    });
  });

  app.post<UidParams>('/interaction/:uid/security-key/reset', async (request, reply) => {
    const step = await stepUp(request, reply);
    const status = await keys.keyStatus(step.accountId);
    if (!status) return reply.redirect(`${step.base}/set-up`, 303);
    try {
      const { answers, altcha } = parseForm(answersForm, request.body);
      const attempt = { from: step.attempt, botCheck: altcha, deviceIds: deviceIdsOf(request) };
      await keys.proveAnswers(step.owner, step.accountId, answers, attempt, step.expiresAt);
    } catch (error) {
      const refused = refusal(reply, error, request.body);
      return reply.code(refused.error.status).view('security-key-answers', {
        ...step.pageFrame,
        ...resetPage(request.t, status.questions),
        ...formLocals(ANSWERS_FORM, request.body, refused.error),
        botCheck: refused.botCheck,
        action: `${step.base}/reset`,
      });
    }
    return reply.redirect(`${step.base}/reset/new-key`, 303);
  });

  app.get<UidParams>('/interaction/:uid/security-key/reset/new-key', async (request, reply) => {
    const step = await stepUp(request, reply);
    if (!(await keys.resetProved(step.owner, step.accountId))) {
      return reply.redirect(`${step.base}/reset`, 303);
    }
    return reply.view('security-key-set-up', {
      ...step.pageFrame,
      ...newKeyPage(request.t),
      action: `${step.base}/reset/new-key`,
      values: {},
    });
  });

  app.post<UidParams>('/interaction/:uid/security-key/reset/new-key', async (request, reply) => {
    const step = await stepUp(request, reply);
    if (!(await keys.resetProved(step.owner, step.accountId))) {
      return reply.redirect(`${step.base}/reset`, 303);
    }
    try {
      const key = parseForm(newKeyForm, request.body);
      await keys.resetKey(step.owner, step.accountId, key, step.attempt, step.sessionId);
    } catch (error) {
      return reply.code(statusOf(error)).view('security-key-set-up', {
        ...step.pageFrame,
        ...newKeyPage(request.t),
        ...formLocals(NEW_KEY_FORM, undefined, shown(error)),
        action: `${step.base}/reset/new-key`,
      });
    }
    return reply.redirect(`${step.base}?notice=reset`, 303);
  });

  // Account services: the owner changes the key and its questions.

  /**
   * The signed-in owner, or where to send a browser that has not proved the
   * account's strongest factor recently: the current key, when there is one.
   */
  async function accountOwner(request: FastifyRequest, reply: FastifyReply) {
    const session = await currentSession(provider, request, reply);
    if (!session) return { detour: '/account' };
    const hasKey = (await keys.keyStatus(session.accountId)) !== undefined;
    if (!strongestFactorRecently(session, hasKey)) {
      return { detour: `/account/confirm?return=${ACCOUNT_PAGE}` };
    }
    return {
      accountId: session.accountId,
      owner: `session:${session.uid}` as StepOwner,
      sessionId: session.jti,
      attempt: attemptOf(request, null),
    };
  }

  app.get(ACCOUNT_PAGE, async (request, reply) => {
    const signedIn = await accountOwner(request, reply);
    if (signedIn.detour !== undefined) return reply.redirect(signedIn.detour, 303);
    return reply.view('security-key-set-up', {
      ...accountSetUpPage(request, await keys.keyStatus(signedIn.accountId)),
      fieldErrors: {},
      values: {},
    });
  });

  app.post(ACCOUNT_PAGE, async (request, reply) => {
    const signedIn = await accountOwner(request, reply);
    if (signedIn.detour !== undefined) return reply.redirect(signedIn.detour, 303);
    try {
      const choice = parseForm(setUpForm, request.body);
      await keys.proposeSetUp(signedIn.owner, signedIn.accountId, choice, Date.now() + ACCOUNT_STEP_TTL_MS);
    } catch (error) {
      return reply.code(statusOf(error)).view('security-key-set-up', {
        ...accountSetUpPage(request, await keys.keyStatus(signedIn.accountId)),
        ...formLocals(SET_UP_FORM, request.body, shown(error)),
      });
    }
    return reply.redirect(`${ACCOUNT_PAGE}/confirm`, 303);
  });

  app.get(`${ACCOUNT_PAGE}/confirm`, async (request, reply) => {
    const signedIn = await accountOwner(request, reply);
    if (signedIn.detour !== undefined) return reply.redirect(signedIn.detour, 303);
    const questions = await keys.questionsToConfirm(signedIn.owner, signedIn.accountId);
    if (!questions) return reply.redirect(ACCOUNT_PAGE, 303);
    return reply.view('security-key-answers', {
      ...confirmPage(request.t, questions),
      action: `${ACCOUNT_PAGE}/confirm`,
      restartUrl: ACCOUNT_PAGE,
      backUrl: '/account',
      fieldErrors: {},
    });
  });

  app.post(`${ACCOUNT_PAGE}/confirm`, async (request, reply) => {
    const signedIn = await accountOwner(request, reply);
    if (signedIn.detour !== undefined) return reply.redirect(signedIn.detour, 303);
    try {
      const { answers } = parseForm(answersForm, request.body);
      await keys.confirmSetUp(
        signedIn.owner,
        signedIn.accountId,
        answers,
        signedIn.attempt,
        signedIn.sessionId,
      );
    } catch (error) {
      const questions = await keys.questionsToConfirm(signedIn.owner, signedIn.accountId);
      if (!questions) {
        return reply.code(statusOf(error)).view('security-key-set-up', {
          ...accountSetUpPage(request, await keys.keyStatus(signedIn.accountId)),
          ...formLocals(SET_UP_FORM, undefined, shown(error)),
        });
      }
      return reply.code(statusOf(error)).view('security-key-answers', {
        ...confirmPage(request.t, questions),
        ...formLocals(ANSWERS_FORM, request.body, shown(error)),
        action: `${ACCOUNT_PAGE}/confirm`,
        restartUrl: ACCOUNT_PAGE,
        backUrl: '/account',
      });
    }
    return reply.view('security-key-saved', {});
  });
}

function attemptOf(request: FastifyRequest, clientId: string | null): Attempt {
  return { clientId, ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

/** Domain errors are shown on the form; anything else is the error handler's. */
function shown(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  throw error;
}

/**
 * A refused try at a guarded form (the key, the reset answers): the error to
 * show, whether the form must carry the bot check, and how long to wait.
 */
function refusal(reply: FastifyReply, error: unknown, body: unknown) {
  const refused = shown(error);
  if (refused instanceof RetryLater) reply.header('retry-after', String(refused.retryAfterSeconds));
  return {
    error: refused,
    // A form that carried the bot check keeps it, so the next try is not refused for lack of it.
    botCheck: asksForBotCheck(refused) || (body as { altcha?: unknown } | undefined)?.altcha !== undefined,
  };
}

function statusOf(error: unknown): number {
  return shown(error).status;
}

function setUpPage(t: Translate, clientName: string | undefined) {
  return {
    title: t('security_key.set_up_title'),
    lead: t('security_key.set_up_lead', { site: clientName ?? t('security_key.this_site') }),
    questions: questionChoices(t),
  };
}

function accountSetUpPage(request: FastifyRequest, status: { setAt: number | null } | undefined) {
  const { t } = request;
  return {
    title: status ? t('security_key.change_title') : t('security_key.set_up_title'),
    lead: status
      ? t('security_key.change_lead', {
          day: status.setAt
            ? formatDate(new Date(status.setAt), request.language)
            : t('security_key.earlier'),
        })
      : t('security_key.account_set_up_lead'),
    questions: questionChoices(t),
    action: ACCOUNT_PAGE,
    backUrl: '/account',
  };
}

function confirmPage(t: Translate, questions: string[]) {
  return {
    title: t('security_key.confirm_title'),
    lead: t('security_key.confirm_lead'),
    questions: questions.map((question) => questionText(question, t)),
  };
}

function resetPage(t: Translate, questions: string[]) {
  return {
    title: t('security_key.reset_title'),
    lead: t('security_key.reset_lead'),
    questions: questions.map((question) => questionText(question, t)),
  };
}

function newKeyPage(t: Translate) {
  return {
    title: t('security_key.new_key_title'),
    lead: t('security_key.new_key_lead'),
    questions: undefined,
  };
}
