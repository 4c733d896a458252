import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { InvalidInput } from '../../shared/http/errors.ts';
import { parseForm } from '../../shared/http/form.ts';
import { countriesByName } from '../../shared/i18n/countries.ts';
import type { BotCheck } from '../../shared/security/botcheck.ts';
import { COUNTRY_CODE_LIST } from '../accounts/countries.ts';
import { OWN_QUESTION, questionChoices } from '../accounts/secret-questions.ts';
import { type AccountService, type SignUpOrigin, SignUpPasswordWrong } from '../accounts/service.ts';
import type { IdpDatabase } from '../database.ts';
import { ACR_PASSWORD } from '../oidc/acr.ts';
import { interactionNamed } from './current.ts';
import { activationForm, signUpForm } from './forms.ts';
import { rememberedAccounts } from './remembered-accounts.ts';

type Deps = { provider: Provider; db: IdpDatabase; accounts: AccountService; botCheck: BotCheck };
type SignUpRoute = { Params: { uid?: string }; Body: Record<string, unknown> };
// A wildcard, not :token, so an over-long token still reaches us and gets a clear answer.
type TokenRoute = { Params: { '*': string }; Body: Record<string, unknown> };

// Binds an activation link to the browser that signed up: only there does it
// activate without the password, and continue the sign-in that was under way.
const SIGN_UP_COOKIE = 'idp_signup';

const SAFE_FIELDS = [
  'email',
  'question',
  'own_question',
  'first_name',
  'last_name',
  'country',
  'postal_code',
];

export async function signUpRoutes(app: FastifyInstance, { provider, db, accounts, botCheck }: Deps) {
  const remembered = rememberedAccounts(db);

  function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    uid: string | undefined,
    values: Record<string, unknown>,
    error?: InvalidInput,
  ) {
    const kept = Object.fromEntries(
      SAFE_FIELDS.map((field) => [
        field,
        typeof values[field] === 'string' ? String(values[field]).slice(0, 254) : '',
      ]),
    );
    return reply.code(error ? error.status : 200).view('sign-up', {
      questions: questionChoices(request.t),
      countries: countriesByName(COUNTRY_CODE_LIST, request.language),
      action: uid ? `/interaction/${uid}/signup` : '/signup',
      signInUrl: uid ? `/interaction/${uid}` : undefined,
      values: kept,
      ownQuestion: OWN_QUESTION,
      error: error?.message,
      fieldErrors: error?.fieldErrors ?? {},
    });
  }

  /** The interaction a sign-up started from, if the browser is in one. */
  async function originOf(request: FastifyRequest<SignUpRoute>, reply: FastifyReply): Promise<SignUpOrigin> {
    const interaction = await interactionNamed(provider, request, reply, request.params.uid);
    return interaction
      ? { interactionUid: interaction.uid, clientId: String(interaction.params.client_id) }
      : null;
  }

  for (const path of ['/signup', '/interaction/:uid/signup']) {
    app.get<SignUpRoute>(path, async (request, reply) => showForm(request, reply, request.params.uid, {}));

    app.post<SignUpRoute>(path, async (request, reply) => {
      const body = request.body ?? {};
      let registration: ReturnType<typeof signUpForm.parse>;
      try {
        registration = parseForm(signUpForm, body);
        if (!(await botCheck.verify(registration.altcha))) {
          throw new InvalidInput({
            altcha: request.t('sign_up.bot_check_missing'),
          });
        }
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        return showForm(request, reply, request.params.uid, body, error);
      }
      const origin = await originOf(request, reply);
      const browserBinding = await accounts.register({ ...registration, language: request.language }, origin);
      reply.setCookie(SIGN_UP_COOKIE, browserBinding, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        path: '/activate',
        maxAge: 24 * 60 * 60,
      });
      // The same page whether or not the address already had an account.
      return reply.view('check-email', { email: registration.email });
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
    return reply.code(error ? error.status : 200).view('activate', {
      action: `/activate/${token}`,
      askPassword,
      error: error?.message,
      fieldErrors: error?.fieldErrors ?? {},
    });
  }

  // Opening the link only shows a button: mail scanners that fetch links must not spend it.
  app.get<TokenRoute>('/activate/*', async (request, reply) => {
    const token = request.params['*'];
    const { bound } = await accounts.checkActivationLink(token, browserBinding(request));
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
      if (!(error instanceof InvalidInput || error instanceof SignUpPasswordWrong)) throw error;
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
      clientName: client?.clientName ?? client?.clientId,
      clientUri: client?.clientUri,
    });
  });
}
