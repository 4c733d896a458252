import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { type DomainError, InvalidInput, LinkUsed, Throttled } from '../../shared/http/errors.ts';
import { parseForm } from '../../shared/http/form.ts';
import { type FormShape, formLocals, formStatus } from '../../shared/http/form-page.ts';
import { COUNTRY_CODE_LIST, countriesByName } from '../../shared/i18n/countries.ts';
import type { BotCheck } from '../../shared/security/botcheck.ts';
import type { WindowCounters } from '../../shared/state/counters.ts';
import { OWN_QUESTION, questionChoices } from '../accounts/secret-questions.ts';
import {
  AccountAlreadyActive,
  type AccountService,
  newSignUpSubmission,
  type SignUpOrigin,
  SignUpPasswordWrong,
} from '../accounts/service.ts';
import type { IdpDatabase } from '../database.ts';
import { ACR_PASSWORD } from '../oidc/acr.ts';
import { createBotCheckGate } from '../throttling/bot-check-gate.ts';
import { interactionNamed } from './current.ts';
import { activationForm, signUpForm } from './forms.ts';
import { rememberedAccounts } from './remembered-accounts.ts';
import { siteName } from './site-name.ts';

type Deps = {
  provider: Provider;
  db: IdpDatabase;
  accounts: AccountService;
  botCheck: BotCheck;
  /** The throttle counters, in the database or in Redis. */
  counters: WindowCounters;
  noScriptPerHour?: number;
};
type SignUpRoute = { Params: { uid?: string }; Body: Record<string, unknown> };
// A wildcard, not :token, so an over-long token still reaches us and gets a clear answer.
type TokenRoute = { Params: { '*': string }; Body: Record<string, unknown> };

// Binds an activation link to the browser that signed up: only there does it
// activate without the password, and continue the sign-in that was under way.
const SIGN_UP_COOKIE = 'idp_signup';

// In page order; the passwords and the spent bot-check proof are never sent back.
const SIGN_UP_FORM: FormShape = {
  fields: [
    'email',
    'password',
    'password2',
    'question',
    'own_question',
    'answer',
    'first_name',
    'last_name',
    'country',
    'postal_code',
    'altcha',
  ],
  secrets: ['password', 'password2', 'altcha'],
};

const ACTIVATION_FORM: FormShape = { fields: ['password'], secrets: ['password'] };

export async function signUpRoutes(
  app: FastifyInstance,
  { provider, db, accounts, botCheck, counters, noScriptPerHour }: Deps,
) {
  const remembered = rememberedAccounts(db);
  const botCheckGate = createBotCheckGate({ counters, botCheck, noScriptPerHour });

  function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    uid: string | undefined,
    body?: unknown,
    refusal?: DomainError,
  ) {
    return reply.code(formStatus(refusal)).view('sign-up', {
      questions: questionChoices(request.t),
      countries: countriesByName(COUNTRY_CODE_LIST, request.language),
      action: uid ? `/interaction/${uid}/signup` : '/signup',
      signInUrl: uid ? `/interaction/${uid}` : undefined,
      ...formLocals(SIGN_UP_FORM, body, refusal),
      // Each showing of the form is one sign-up: sent twice, it is still one.
      submission: newSignUpSubmission(),
      ownQuestion: OWN_QUESTION,
    });
  }

  function checkEmail(request: FastifyRequest, reply: FastifyReply, email: string, browserBinding: string) {
    reply.setCookie(SIGN_UP_COOKIE, browserBinding, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      path: '/activate',
      maxAge: 24 * 60 * 60,
    });
    // The same page whether or not the address already had an account, and for a form sent twice.
    return reply.view('check-email', { email });
  }

  /** The interaction a sign-up started from, if the browser is in one. */
  async function originOf(request: FastifyRequest<SignUpRoute>, reply: FastifyReply): Promise<SignUpOrigin> {
    const interaction = await interactionNamed(provider, request, reply, request.params.uid);
    return interaction
      ? { interactionUid: interaction.uid, clientId: String(interaction.params.client_id) }
      : null;
  }

  for (const path of ['/signup', '/interaction/:uid/signup']) {
    app.get<SignUpRoute>(path, async (request, reply) => showForm(request, reply, request.params.uid));

    app.post<SignUpRoute>(path, async (request, reply) => {
      const body = request.body ?? {};
      let form: ReturnType<typeof signUpForm.parse>;
      try {
        form = parseForm(signUpForm, body);
        // A double click sends the form again with its proof already spent: it
        // is answered like the first, before the proof is looked at.
        if (await accounts.signUpRepeated(form.submission, form.registration.email)) {
          return checkEmail(request, reply, form.registration.email, form.submission!);
        }
        await botCheckGate.pass('sign-up', { altcha: form.altcha, noScript: form.noScript }, request.ip, {
          afterFailures: false,
        });
      } catch (error) {
        if (!(error instanceof InvalidInput || error instanceof Throttled)) throw error;
        return showForm(request, reply, request.params.uid, body, error);
      }
      const origin = await originOf(request, reply);
      const binding = await accounts.register(
        { ...form.registration, language: request.language },
        origin,
        form.submission,
      );
      return checkEmail(request, reply, form.registration.email, binding);
    });
  }

  function browserBinding(request: FastifyRequest): string | undefined {
    const cookie = request.cookies[SIGN_UP_COOKIE];
    const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
    return unsigned?.valid ? (unsigned.value ?? undefined) : undefined;
  }

  function showActivation(
    reply: FastifyReply,
    token: string,
    askPassword: boolean,
    error?: InvalidInput | SignUpPasswordWrong,
  ) {
    return reply.code(formStatus(error)).view('activate', {
      action: `/activate/${token}`,
      askPassword,
      ...formLocals(ACTIVATION_FORM, undefined, error),
    });
  }

  /**
   * A link clicked again after it made the Passport (a second click, a mail
   * opened twice) says the Passport is active and leads to sign-in, not only
   * "already used".
   */
  async function unlessAlreadyActive(reply: FastifyReply, token: string, error: unknown) {
    if (
      (error instanceof LinkUsed || error instanceof AccountAlreadyActive) &&
      (await accounts.activatedBy(token))
    ) {
      return reply.view('activated', { alreadyActive: true });
    }
    throw error;
  }

  // Opening the link only shows a button: mail scanners that fetch links must not spend it.
  app.get<TokenRoute>('/activate/*', async (request, reply) => {
    const token = request.params['*'];
    let bound: boolean;
    try {
      ({ bound } = await accounts.checkActivationLink(token, browserBinding(request)));
    } catch (error) {
      return unlessAlreadyActive(reply, token, error);
    }
    return showActivation(reply, token, !bound);
  });

  app.post<TokenRoute>('/activate/*', async (request, reply) => {
    const token = request.params['*'];
    let activated: Awaited<ReturnType<AccountService['activate']>>;
    try {
      // A spent or expired link says so, rather than asking for the password.
      await accounts.checkActivationLink(token, undefined);
      const { password } = parseForm(activationForm, request.body);
      activated = await accounts.activate(token, { browserBinding: browserBinding(request), password });
    } catch (error) {
      if (!(error instanceof InvalidInput || error instanceof SignUpPasswordWrong)) {
        return unlessAlreadyActive(reply, token, error);
      }
      return showActivation(reply, token, true, error);
    }
    const { accountId, origin, bound } = activated;
    if (bound) reply.clearCookie(SIGN_UP_COOKIE, { path: '/activate' });
    if (origin && bound) {
      const interaction = await provider.Interaction.find(origin.interactionUid);
      if (interaction) {
        // The password was typed in this very browser a moment ago, at sign-up.
        interaction.result = {
          select_account: {},
          login: { accountId, acr: ACR_PASSWORD, amr: ['pwd'], remember: false },
        };
        await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
        await remembered.remember(request, reply, accountId);
        return reply.redirect(interaction.returnTo, 303);
      }
    }
    const client = origin ? await provider.Client.find(origin.clientId) : undefined;
    return reply.view('activated', {
      clientName: siteName(client, request.t),
      clientUri: client?.clientUri,
    });
  });
}
