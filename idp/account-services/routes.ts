import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, InvalidInput, Throttled } from '../../shared/http/errors.ts';
import { parseForm } from '../../shared/http/form.ts';
import { type FormShape, formLocals, formStatus } from '../../shared/http/form-page.ts';
import { COUNTRY_CODE_LIST, countriesByName, countryName } from '../../shared/i18n/countries.ts';
import { formatDate } from '../../shared/i18n/dates.ts';
import { LANGUAGE_NAMES, LANGUAGES } from '../../shared/i18n/languages.ts';
import { OWN_QUESTION, questionChoices, SECRET_QUESTIONS } from '../accounts/secret-questions.ts';
import { DESCRIBED_SCOPES } from '../interactions/consent.ts';
import { accountChoice } from '../interactions/forms.ts';
import { rememberedAccounts } from '../interactions/remembered-accounts.ts';
import type { PageDeps } from '../page-deps.ts';
import { asksForBotCheck, RetryLater } from '../throttling/guard.ts';
import { activityLine } from './activity-view.ts';
import {
  alternateEmailForm,
  confirmPasswordForm,
  emailChangeForm,
  mailingAddressForm,
  passwordChangeForm,
  personalDataForm,
  secretQuestionForm,
  siteChoice,
} from './forms.ts';
import type { AccountSettings } from './repository.ts';
import { type Actor, createAccountSettings } from './service.ts';
import { currentSession, strongestFactorRecently } from './session.ts';
import {
  ACCOUNT_CLIENT_ID,
  AccountSignInFailed,
  accountReturnPath,
  createAccountClient,
  refreshLoginTime,
} from './sign-in.ts';

type SignedInSession = NonNullable<Awaited<ReturnType<typeof currentSession>>>;
type Visit = { session: SignedInSession; account: AccountSettings; actor: Actor };
type Body = Record<string, unknown>;
/** What a form shows next to its fields: bad input, a wrong secret, or the guard's refusal. */
type FormError = InvalidInput | Throttled;
// A wildcard, not :token, so an over-long token still reaches us and gets a clear answer.
type TokenRoute = { Params: { '*': string } };

// Each form in page order; passwords and the bot check's proof are never sent back.
const NO_FORM: FormShape = { fields: [] };
const CONFIRM_FORM: FormShape = { fields: ['password', 'altcha'], secrets: ['password', 'altcha'] };
const EMAIL_FORM: FormShape = { fields: ['email'] };
const PASSWORD_FORM: FormShape = {
  fields: ['current_password', 'password', 'password2', 'altcha'],
  secrets: ['current_password', 'password', 'password2', 'altcha'],
};
const ADDRESS_FORM: FormShape = { fields: ['street', 'city', 'region', 'postal_code', 'country'] };
const PERSONAL_FORM: FormShape = {
  fields: ['first_name', 'last_name', 'country', 'postal_code', 'language'],
};
// The secret answer is shown again: it is typed to be remembered, not a password.
const SECRET_QUESTION_FORM: FormShape = { fields: ['question', 'own_question', 'answer'] };

/** What the overview says after a change (PRG: the change redirects here), as `account.done.<key>`. */
const DONE: Record<string, string> = {
  password: 'password',
  address: 'address',
  personal: 'personal',
  'secret-question': 'secret_question',
  'alternate-email-removed': 'alternate_removed',
};

/**
 * The signed-in person's own pages. They read the IdP's session; without one
 * they send the browser through a normal sign-in as the IdP's own client.
 */
export async function accountServicesRoutes(app: FastifyInstance, deps: PageDeps) {
  const { provider, config } = deps;
  const { issuer } = config;
  const service = createAccountSettings({
    db: deps.db,
    shortLived: deps.shortLived,
    provider,
    accounts: deps.accounts,
    issuer,
    botCheck: deps.botCheck,
    mailQueued: deps.mailQueued,
  });
  const accountClient = createAccountClient(app, issuer);
  const remembered = rememberedAccounts(deps.db);

  /**
   * The person behind this request, or undefined once the reply redirects them:
   * to sign in when there is no session, to prove the account's strongest
   * factor again (see /account/confirm) when `recent` is asked and the session
   * has not proved it within the last ten minutes.
   */
  async function signedIn(
    request: FastifyRequest,
    reply: FastifyReply,
    page: string,
    recent = false,
  ): Promise<Visit | undefined> {
    const session = await currentSession(provider, request, reply);
    if (!session) {
      await accountClient.start(request, reply, page);
      return undefined;
    }
    const account = await service.load(session.accountId);
    if (recent && !strongestFactorRecently(session, await service.hasSecurityKey(account.id))) {
      reply.redirect(`/account/confirm?return=${encodeURIComponent(page)}`, 303);
      return undefined;
    }
    const actor: Actor = {
      accountId: account.id,
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    };
    return { session, account, actor };
  }

  function show(
    reply: FastifyReply,
    visit: Pick<Visit, 'account'> | undefined,
    template: string,
    data: Record<string, unknown> = {},
    error?: DomainError,
    form: { shape: FormShape; body?: unknown } = { shape: NO_FORM },
  ) {
    if (error instanceof RetryLater) reply.header('retry-after', String(error.retryAfterSeconds));
    return reply.code(formStatus(error)).view(template, {
      ...(visit ? { signedIn: { email: visit.account.email } } : {}),
      ...formLocals(form.shape, form.body, error),
      ...data,
      // A guarded form shows the bot check once the guard asks for it, and keeps it once shown.
      botCheck: asksForBotCheck(error) || (data.botCheckShown as boolean | undefined) === true,
    });
  }

  /**
   * Runs a form's change; bad input, a wrong secret or the guard's refusal
   * shows the form again with the problems marked.
   */
  async function submit(
    change: () => Promise<FastifyReply | undefined>,
    showForm: (error: FormError) => FastifyReply,
  ) {
    try {
      return await change();
    } catch (error) {
      if (!(error instanceof InvalidInput || error instanceof Throttled)) throw error;
      return showForm(error);
    }
  }

  /**
   * For an account with a security key the account pages ask the IdP for the
   * strong level, as any site would: a password typed here never stands in
   * for the key.
   */
  function stepUpWithKey(request: FastifyRequest, reply: FastifyReply, visit: Visit, returnTo: string) {
    if (strongestFactorRecently(visit.session, true)) return reply.redirect(returnTo, 303);
    return accountClient.start(request, reply, returnTo, { stepUp: true });
  }

  function origin(request: FastifyRequest) {
    return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
  }

  app.get('/account', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account');
    if (!visit) return reply;
    const done = (request.query as { done?: unknown }).done;
    return show(reply, visit, 'account', {
      account: visit.account,
      country: countryName(visit.account.country, request.language),
      notice: typeof done === 'string' && DONE[done] ? request.t(`account.done.${DONE[done]}`) : undefined,
    });
  });

  app.get('/account/callback', async (request, reply) => {
    const finished = await accountClient.finish(request, reply);
    if (!finished) return reply.redirect('/', 303);
    const session = await currentSession(provider, request, reply);
    if (session?.accountId !== finished.accountId) throw new AccountSignInFailed();
    return reply.redirect(finished.returnTo, 303);
  });

  // Proving the account's strongest factor again before a credential changes:
  // the security key through the IdP when the account has one, else the password here.
  app.get('/account/confirm', async (request, reply) => {
    const returnTo = accountReturnPath((request.query as { return?: unknown }).return);
    const visit = await signedIn(request, reply, returnTo);
    if (!visit) return reply;
    if (await service.hasSecurityKey(visit.account.id)) return stepUpWithKey(request, reply, visit, returnTo);
    return show(reply, visit, 'account-confirm', { returnTo });
  });

  app.post<{ Body: Body }>('/account/confirm', async (request, reply) => {
    const returnTo = accountReturnPath((request.query as { return?: unknown }).return);
    const visit = await signedIn(request, reply, returnTo);
    if (!visit) return reply;
    // The password is not even looked at: for this account it proves too little.
    if (await service.hasSecurityKey(visit.account.id)) return stepUpWithKey(request, reply, visit, returnTo);
    return submit(
      async () => {
        const { password, altcha } = parseForm(confirmPasswordForm, request.body);
        await service.confirmPassword(visit.actor, password, ACCOUNT_CLIENT_ID, altcha);
        await refreshLoginTime(visit.session);
        return reply.redirect(returnTo, 303);
      },
      (error) =>
        show(
          reply,
          visit,
          'account-confirm',
          { returnTo, botCheckShown: carriedBotCheck(request.body) },
          error,
          { shape: CONFIRM_FORM },
        ),
    );
  });

  // Change of e-mail address: the new address is used once a link mailed to it is followed.
  const showEmailForm = (reply: FastifyReply, visit: Visit, values: Body = {}, error?: FormError) =>
    show(reply, visit, 'account-email', { email: visit.account.email }, error, {
      shape: EMAIL_FORM,
      body: values,
    });

  app.get('/account/email', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/email', true);
    if (!visit) return reply;
    return showEmailForm(reply, visit);
  });

  app.post<{ Body: Body }>('/account/email', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/email', true);
    if (!visit) return reply;
    return submit(
      async () => {
        const { email } = parseForm(emailChangeForm, request.body);
        await service.requestEmailChange(visit.actor, email);
        // The same page whether or not the new address already has a Passport.
        return show(reply, visit, 'check-email', { email });
      },
      (error) => showEmailForm(reply, visit, request.body ?? {}, error),
    );
  });

  // Opening a link only shows a button: mail scanners that fetch links must not spend it.
  app.get<TokenRoute>('/account/email/confirm/*', async (request, reply) => {
    await service.checkEmailChangeLink(request.params['*']);
    return show(reply, undefined, 'account-link', {
      title: request.t('email_change.confirm_title'),
      text: request.t('email_change.confirm_text'),
      action: `/account/email/confirm/${request.params['*']}`,
      button: request.t('email_change.confirm_button'),
    });
  });

  app.post<TokenRoute>('/account/email/confirm/*', async (request, reply) => {
    const { email } = await service.confirmEmailChange(request.params['*'], origin(request));
    return show(reply, undefined, 'account-done', {
      title: request.t('email_change.done_title'),
      message: request.t('email_change.done_message', { email }),
    });
  });

  // Change of password: the current one is required, and every other session ends.
  const showPasswordForm = (reply: FastifyReply, visit: Visit, body?: Body, error?: FormError) =>
    show(reply, visit, 'account-password', { botCheckShown: carriedBotCheck(body) }, error, {
      shape: PASSWORD_FORM,
    });

  app.get('/account/password', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/password', true);
    if (!visit) return reply;
    return showPasswordForm(reply, visit);
  });

  app.post<{ Body: Body }>('/account/password', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/password', true);
    if (!visit) return reply;
    return submit(
      async () => {
        const form = parseForm(passwordChangeForm(visit.account.email), request.body);
        await service.changePassword(
          visit.actor,
          { currentPassword: form.current_password, newPassword: form.password, botCheck: form.altcha },
          visit.session.jti,
        );
        return reply.redirect('/account?done=password', 303);
      },
      (error) => showPasswordForm(reply, visit, request.body, error),
    );
  });

  // Alternate e-mail address: where recovery links also go, once confirmed.
  const showAlternateForm = (reply: FastifyReply, visit: Visit, values: Body = {}, error?: FormError) =>
    show(
      reply,
      visit,
      'account-alternate-email',
      {
        alternate: visit.account.alternate_email,
        confirmed: visit.account.alternate_email_verified_at !== null,
      },
      error,
      { shape: EMAIL_FORM, body: values },
    );

  app.get('/account/alternate-email', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/alternate-email', true);
    if (!visit) return reply;
    return showAlternateForm(reply, visit);
  });

  app.post<{ Body: Body }>('/account/alternate-email', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/alternate-email', true);
    if (!visit) return reply;
    return submit(
      async () => {
        const { email } = parseForm(alternateEmailForm, request.body);
        await service.requestAlternateEmail(visit.actor, email);
        return show(reply, visit, 'check-email', { email });
      },
      (error) => showAlternateForm(reply, visit, request.body ?? {}, error),
    );
  });

  app.post('/account/alternate-email/remove', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/alternate-email', true);
    if (!visit) return reply;
    await service.removeAlternateEmail(visit.actor);
    return reply.redirect('/account?done=alternate-email-removed', 303);
  });

  app.get<TokenRoute>('/account/alternate-email/verify/*', async (request, reply) => {
    await service.checkAlternateEmailLink(request.params['*']);
    return show(reply, undefined, 'account-link', {
      title: request.t('alternate.confirm_title'),
      text: request.t('alternate.confirm_text'),
      action: `/account/alternate-email/verify/${request.params['*']}`,
      button: request.t('alternate.confirm_button'),
    });
  });

  app.post<TokenRoute>('/account/alternate-email/verify/*', async (request, reply) => {
    const { email } = await service.confirmAlternateEmailLink(request.params['*'], origin(request));
    return show(reply, undefined, 'account-done', {
      title: request.t('alternate.done_title'),
      message: request.t('alternate.done_message', { email }),
    });
  });

  // Mailing address and personal data: being signed in is enough.
  const showAddressForm = (reply: FastifyReply, visit: Visit, values?: Body, error?: FormError) =>
    show(
      reply,
      visit,
      'account-address',
      {
        countries: countriesByName(COUNTRY_CODE_LIST, reply.request.language),
        ...(values
          ? {}
          : {
              values: {
                street: visit.account.street ?? '',
                city: visit.account.city ?? '',
                region: visit.account.region ?? '',
                postal_code: visit.account.postal_code,
                country: visit.account.country,
              },
            }),
      },
      error,
      { shape: ADDRESS_FORM, body: values },
    );

  app.get('/account/address', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/address');
    if (!visit) return reply;
    return showAddressForm(reply, visit);
  });

  app.post<{ Body: Body }>('/account/address', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/address');
    if (!visit) return reply;
    return submit(
      async () => {
        await service.updateMailingAddress(visit.actor, parseForm(mailingAddressForm, request.body));
        return reply.redirect('/account?done=address', 303);
      },
      (error) => showAddressForm(reply, visit, request.body ?? {}, error),
    );
  });

  const showPersonalForm = (reply: FastifyReply, visit: Visit, values?: Body, error?: FormError) =>
    show(
      reply,
      visit,
      'account-personal',
      {
        countries: countriesByName(COUNTRY_CODE_LIST, reply.request.language),
        languages: LANGUAGES.map((language) => ({ language, name: LANGUAGE_NAMES[language] })),
        ...(values
          ? {}
          : {
              values: {
                first_name: visit.account.first_name,
                last_name: visit.account.last_name,
                country: visit.account.country,
                postal_code: visit.account.postal_code,
                language: visit.account.language,
              },
            }),
      },
      error,
      { shape: PERSONAL_FORM, body: values },
    );

  app.get('/account/personal', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/personal');
    if (!visit) return reply;
    return showPersonalForm(reply, visit);
  });

  app.post<{ Body: Body }>('/account/personal', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/personal');
    if (!visit) return reply;
    return submit(
      async () => {
        await service.updatePersonalData(visit.actor, parseForm(personalDataForm, request.body));
        return reply.redirect('/account?done=personal', 303);
      },
      (error) => showPersonalForm(reply, visit, request.body ?? {}, error),
    );
  });

  // Secret question and answer: a credential (it can reset the password), so a recent sign-in.
  const showSecretForm = (reply: FastifyReply, visit: Visit, values?: Body, error?: FormError) => {
    const current = visit.account.secret_question;
    const listed = SECRET_QUESTIONS.includes(current);
    return show(
      reply,
      visit,
      'account-secret-question',
      {
        questions: questionChoices(reply.request.t),
        ownQuestion: OWN_QUESTION,
        ...(values
          ? {}
          : {
              values: { question: listed ? current : OWN_QUESTION, own_question: listed ? '' : current },
            }),
      },
      error,
      { shape: SECRET_QUESTION_FORM, body: values },
    );
  };

  app.get('/account/secret-question', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/secret-question', true);
    if (!visit) return reply;
    return showSecretForm(reply, visit);
  });

  app.post<{ Body: Body }>('/account/secret-question', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/secret-question', true);
    if (!visit) return reply;
    return submit(
      async () => {
        await service.changeSecretQuestion(visit.actor, parseForm(secretQuestionForm, request.body));
        return reply.redirect('/account?done=secret-question', 303);
      },
      (error) => showSecretForm(reply, visit, request.body ?? {}, error),
    );
  });

  // The accounts this browser remembers for the sign-in page.
  app.get('/account/remembered-accounts', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/remembered-accounts');
    if (!visit) return reply;
    return show(reply, visit, 'account-remembered', {
      remembered: (await remembered.list(request)).map(({ id, email }) => ({ id, email })),
    });
  });

  app.post<{ Body: Body }>('/account/remembered-accounts/forget', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/remembered-accounts');
    if (!visit) return reply;
    const { account } = parseForm(accountChoice, request.body);
    await remembered.forget(request, reply, account);
    return reply.redirect('/account/remembered-accounts', 303);
  });

  // The sites that may sign this person in without asking, and a way to take that back.
  app.get('/account/sites', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/sites');
    if (!visit) return reply;
    const [allowed, uses] = await Promise.all([
      service.allowedSites(visit.account.id),
      service.usedSites(visit.account.id),
    ]);
    const siteName = async (clientId: string) =>
      (await provider.Client.find(clientId))?.clientName ?? clientId;
    const sites = await Promise.all(
      allowed.map(async (site) => ({
        clientId: site.clientId,
        name: await siteName(site.clientId),
        permissions: site.scopes.flatMap((scope) =>
          DESCRIBED_SCOPES.has(scope) ? [request.t(`scopes.${scope}`)] : [],
        ),
      })),
    );
    const day = (at: number) => formatDate(new Date(at), request.language);
    // Passport's own account pages are not a site of the network.
    const used = await Promise.all(
      uses
        .filter((use) => use.clientId !== ACCOUNT_CLIENT_ID)
        .map(async (use) => ({
          name: await siteName(use.clientId),
          first: day(use.firstUsedAt),
          last: day(use.lastUsedAt),
        })),
    );
    return show(reply, visit, 'account-sites', { sites, used });
  });

  app.post<{ Body: Body }>('/account/sites/withdraw', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/sites');
    if (!visit) return reply;
    const { site } = parseForm(siteChoice, request.body);
    await service.withdrawSite(visit.actor, site);
    return reply.redirect('/account/sites', 303);
  });

  app.get('/account/activity', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account/activity');
    if (!visit) return reply;
    const rows = await service.recentActivity(visit.account.id);
    const names = new Map<string, string>();
    for (const clientId of new Set(rows.map((row) => row.client_id))) {
      if (!clientId) continue;
      const client = await provider.Client.find(clientId);
      names.set(clientId, client?.clientName ?? clientId);
    }
    return show(reply, visit, 'account-activity', {
      lines: rows.map((row) =>
        activityLine(row, (clientId) => (clientId && names.get(clientId)) || 'Passport', {
          language: request.language,
          t: request.t,
        }),
      ),
    });
  });

  app.post('/account/sign-out-everywhere', async (request, reply) => {
    const visit = await signedIn(request, reply, '/account');
    if (!visit) return reply;
    await service.signOutEverywhere(visit.actor);
    // The masthead was worked out before the sign-out; this page must not offer the account.
    return reply.view('account-signed-out', { signedIn: undefined });
  });
}

/** A form that carried the bot check keeps it, so the next try is not refused for lack of it. */
function carriedBotCheck(body: Body | undefined): boolean {
  return body?.altcha !== undefined;
}
