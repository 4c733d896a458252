import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { DomainError, InvalidInput, SessionExpired } from '../../shared/http/errors.ts';
import { parseForm } from '../../shared/http/form.ts';
import { type FormShape, formLocals, formStatus } from '../../shared/http/form-page.ts';
import { ACR_PASSWORD } from '../oidc/acr.ts';
import type { PageDeps } from '../page-deps.ts';
import { asksForBotCheck, botCheckAnswer, createSecretGuard, RetryLater } from '../throttling/guard.ts';
import { createPasswordSignIn } from '../throttling/service.ts';
import { DESCRIBED_SCOPES, grantConsent } from './consent.ts';
import { type Interaction, requireInteraction } from './current.ts';
import { leadOnIfFinished } from './finished.ts';
import { accountChoice, signInForm } from './forms.ts';
import { deviceIdsOf, rememberedAccounts } from './remembered-accounts.ts';
import { siteName } from './site-name.ts';

type Deps = Pick<PageDeps, 'provider' | 'db' | 'shortLived' | 'accounts' | 'botCheck' | 'mailQueued'>;
type UidParams = { Params: { uid: string } };

// The widget's answer rides along with the password once the guard asks for it.
const guardedSignInForm = signInForm.extend({ altcha: botCheckAnswer });
// The address is kept by the page itself: typed, chosen from the list, or hinted by the site.
const SIGN_IN_FORM: FormShape = { fields: ['email', 'password', 'altcha'], secrets: ['password', 'altcha'] };

export async function interactionRoutes(app: FastifyInstance, deps: Deps) {
  const { provider, db } = deps;
  const remembered = rememberedAccounts(db);
  const passwordSignIn = createPasswordSignIn({
    db,
    accounts: deps.accounts,
    guard: createSecretGuard({
      db,
      counters: deps.shortLived.counters,
      botCheck: deps.botCheck,
      mailQueued: deps.mailQueued,
      secret: 'password',
    }),
  });

  /** The interaction this browser is in; the uid in the path must be the one its cookie names. */
  function currentInteraction(request: FastifyRequest<UidParams>, reply: FastifyReply) {
    return requireInteraction(provider, request, reply, request.params.uid);
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, result: InteractionResults) {
    const returnTo = await provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: true,
    });
    return reply.redirect(returnTo, 303);
  }

  async function showSignIn(
    request: FastifyRequest<UidParams>,
    reply: FastifyReply,
    interaction: Interaction,
    form: { email?: string; error?: DomainError; botCheck?: boolean } = {},
  ) {
    const accounts = await remembered.list(request);
    const chosen = accounts.find((account) => account.id === (request.query as { account?: string }).account);
    const client = await provider.Client.find(String(interaction.params.client_id));
    return reply.code(formStatus(form.error)).view('sign-in', {
      ...formLocals(SIGN_IN_FORM, undefined, form.error),
      uid: interaction.uid,
      clientName: siteName(client, request.t),
      selectAccount: interaction.prompt.name === 'select_account',
      signedInAccountId: interaction.session?.accountId,
      remembered: accounts.map(({ id, email }) => ({ id, email })),
      email: form.email ?? chosen?.email ?? stringParam(interaction.params.login_hint) ?? '',
      botCheck: form.botCheck ?? false,
    });
  }

  app.get<UidParams>('/interaction/:uid', async (request, reply) => {
    // Back after signing in: with a live session the person is signed in, not expired.
    const ledOn = await leadOnIfFinished(provider, request, reply, request.params.uid);
    if (ledOn) return ledOn;
    const interaction = await currentInteraction(request, reply);
    if (interaction.prompt.name === 'security_key') {
      return reply.redirect(`/interaction/${interaction.uid}/security-key`, 303);
    }
    if (interaction.prompt.name !== 'consent') return showSignIn(request, reply, interaction);

    const client = await provider.Client.find(String(interaction.params.client_id));
    if (client?.first_party) return finish(request, reply, await grantConsent(provider, db, interaction));
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
    };
    const scopes = (details.missingOIDCScope ?? String(interaction.params.scope ?? '').split(' ')).filter(
      Boolean,
    );
    return reply.view('consent', {
      uid: interaction.uid,
      clientName: siteName(client, request.t),
      clientUri: client?.clientUri,
      permissions: scopes.map((scope) =>
        DESCRIBED_SCOPES.has(scope)
          ? request.t(`scopes.${scope}`)
          : request.t('consent.use_scope', { scope }),
      ),
      claims: details.missingOIDCClaims ?? [],
    });
  });

  app.post<UidParams>('/interaction/:uid/login', async (request, reply) => {
    const interaction = await currentInteraction(request, reply);
    let form: ReturnType<typeof guardedSignInForm.parse>;
    try {
      form = parseForm(guardedSignInForm, request.body);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return showSignIn(request, reply, interaction, {
        email: submittedEmail(request.body),
        error,
        // A form that carried the bot check keeps it, so the next try is not refused for lack of it.
        botCheck: (request.body as { altcha?: unknown } | undefined)?.altcha !== undefined,
      });
    }
    let accountId: string;
    try {
      accountId = await passwordSignIn.signIn({
        email: form.email,
        password: form.password,
        botCheck: form.altcha,
        deviceIds: deviceIdsOf(request),
        address: request.ip,
        userAgent: request.headers['user-agent'],
        clientId: String(interaction.params.client_id),
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error instanceof RetryLater) reply.header('retry-after', String(error.retryAfterSeconds));
      return showSignIn(request, reply, interaction, {
        email: form.email,
        error,
        botCheck: asksForBotCheck(error),
      });
    }
    await remembered.remember(request, reply, accountId);
    return finish(request, reply, {
      select_account: {},
      login: { accountId, acr: ACR_PASSWORD, amr: ['pwd'], remember: form.remember },
    });
  });

  // "Sign in with a different account": the sign-in form whatever step the interaction is at;
  // signing in as someone else replaces the session (oidc-provider ends the old one).
  app.get<UidParams>('/interaction/:uid/sign-in', async (request, reply) => {
    const interaction = await currentInteraction(request, reply);
    return showSignIn(request, reply, interaction, { email: '' });
  });

  // "Continue as ..." on the account list: only for the account whose session is alive here.
  app.post<UidParams>('/interaction/:uid/continue', async (request, reply) => {
    const interaction = await currentInteraction(request, reply);
    const { account } = parseForm(accountChoice, request.body);
    const session = interaction.session;
    if (
      interaction.prompt.name !== 'select_account' ||
      !session?.accountId ||
      session.accountId !== account
    ) {
      return reply.redirect(`/interaction/${interaction.uid}?account=${encodeURIComponent(account)}`, 303);
    }
    const live = await provider.Session.find(session.cookie);
    return finish(request, reply, {
      select_account: {},
      login: {
        accountId: session.accountId,
        acr: live?.acr ?? ACR_PASSWORD,
        amr: live?.amr ?? ['pwd'],
        ts: live?.loginTs,
        remember: !live?.transient,
      },
    });
  });

  app.post<UidParams>('/interaction/:uid/forget', async (request, reply) => {
    const interaction = await currentInteraction(request, reply);
    const { account } = parseForm(accountChoice, request.body);
    await remembered.forget(request, reply, account);
    return reply.redirect(`/interaction/${interaction.uid}`, 303);
  });

  app.post<UidParams>('/interaction/:uid/confirm', async (request, reply) => {
    const interaction = await currentInteraction(request, reply);
    if (interaction.prompt.name !== 'consent') throw new SessionExpired();
    return finish(request, reply, await grantConsent(provider, db, interaction));
  });

  app.post<UidParams>('/interaction/:uid/abort', async (request, reply) => {
    await currentInteraction(request, reply);
    return finish(request, reply, {
      error: 'access_denied',
      error_description: 'The person cancelled the request.',
    });
  });
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 254 ? value : undefined;
}

function submittedEmail(body: unknown): string {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.slice(0, 254) : '';
}
