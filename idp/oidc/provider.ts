import type { JWK } from 'jose';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { IdpConfig } from '../../shared/config/idp.ts';
import { isDatabaseUnavailable } from '../../shared/db/errors.ts';
import { ServiceUnavailable } from '../../shared/http/errors.ts';
import { resolveLanguage } from '../../shared/i18n/languages.ts';
import { queueBackchannelLogouts } from '../backchannel/queue-hook.ts';
import type { OwedLogout } from '../backchannel/repository.ts';
import type { IdpDatabase } from '../database.ts';
import { siteName } from '../interactions/site-name.ts';
import { IDP_LANGUAGE_COOKIE, idpCatalogues } from '../locales/catalogues.ts';
import { LONG_LIVED_KINDS, type ShortLivedStore } from '../state/short-lived-store.ts';
import type { Renderer } from '../views/renderer.ts';
import { findAccountClaims } from './account-claims.ts';
import { ACR_VALUES } from './acr.ts';
import { createAdapterFactory, withHeldModelWrites } from './adapter.ts';
import { cookieSigner } from './cookie-signer.ts';
import { createGrantLoader } from './grants.ts';
import { outgoingFetch } from './outgoing-fetch.ts';
import { interactionPolicy } from './policy.ts';
import { checkRegisteredClient, comparableName } from './registration.ts';
import { sessionLifetime } from './session-lifetime.ts';

export type ProviderDeps = {
  config: IdpConfig;
  db: IdpDatabase;
  shortLived: ShortLivedStore;
  renderer: Renderer;
  signingKeys: JWK[];
  cookieKeys: string[];
  clients: Configuration['clients'];
  /** Where every back-channel logout goes instead of being posted once, at sign-out. */
  queueLogout: (logout: OwedLogout) => Promise<void>;
};

export function createProvider({
  config,
  db,
  shortLived,
  renderer,
  signingKeys,
  cookieKeys,
  clients,
  queueLogout,
}: ProviderDeps): Provider {
  const secure = config.issuer.startsWith('https://');
  const lifetime = sessionLifetime(config);
  // Names a self-registered client may not take: the IdP's own, and each configured site's.
  const staticClientNames = new Set([
    comparableName('Passport'),
    ...(clients ?? []).flatMap((client) =>
      typeof client.client_name === 'string' ? [comparableName(client.client_name)] : [],
    ),
  ]);
  const longLived = createAdapterFactory(db);
  const configuration: Configuration = {
    adapter: (kind) => (LONG_LIVED_KINDS.has(kind) ? longLived(kind) : shortLived.adapter(kind)),
    clients,
    jwks: { keys: signingKeys as Configuration['jwks'] extends { keys: infer K } ? K : never },
    findAccount: (_ctx, sub) => findAccountClaims(db, sub),
    fetch: outgoingFetch(clients ?? []),
    acrValues: ACR_VALUES,
    claims: {
      // acr and amr in every ID token, not only when asked for: sites decide on them.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'updated_at', 'locale'],
      address: ['address'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'address'],
    responseTypes: ['code'],
    // Confidential clients too: a stolen code is then useless without its verifier.
    pkce: { required: () => true },
    subjectTypes: ['public'],
    extraClientMetadata: {
      properties: ['first_party'],
      // Called once per client for its one extra property, with the whole metadata;
      // ctx is set only when a client registers itself (not for configured clients).
      validator(ctx, key, value, metadata) {
        if (key !== 'first_party') return;
        // A client that cannot authenticate would hand its tokens to anyone who knows its id.
        // Custom validators run before oidc-provider checks the standard fields' types.
        const grantTypes: unknown = metadata.grant_types;
        if (
          Array.isArray(grantTypes) &&
          grantTypes.includes('client_credentials') &&
          metadata.token_endpoint_auth_method === 'none'
        ) {
          throw new errors.InvalidClientMetadata('client_credentials is only for clients that authenticate');
        }
        if (!ctx) return;
        // Only the operator marks a site first-party; a self-registered client cannot.
        if (value !== undefined) {
          throw new errors.InvalidClientMetadata('first_party cannot be registered dynamically');
        }
        checkRegisteredClient(metadata as Record<string, unknown>, staticClientNames);
      },
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      // Machine clients (a service calling a resource server on its own behalf): confidential
      // clients registered with the client_credentials grant type, and no one else.
      clientCredentials: { enabled: true },
      // A site may look into or revoke only tokens issued to itself; public
      // clients cannot authenticate, so they may not introspect at all.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) =>
          client.clientAuthMethod !== 'none' && token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      registration: config.initialAccessToken
        ? { enabled: true, initialAccessToken: config.initialAccessToken }
        : { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // Asked once: the site's own sign-out or the whole Passport, in those words; not asked
        // at all when the site itself asked for the whole, proving it with this session's ID token.
        logoutSource(ctx, form) {
          ctx.type = 'html';
          const page = pageLanguage(ctx);
          const clientName = siteName(ctx.oidc.client, idpCatalogues.t(page.language));
          ctx.body = renderer.render(
            'sign-out',
            { form, clientName, everywhere: siteAskedForFullSignOut(ctx) },
            page,
          );
        },
        postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          const page = pageLanguage(ctx);
          const clientName = siteName(ctx.oidc.client, idpCatalogues.t(page.language));
          ctx.body = renderer.render('signed-out', { clientName }, page);
        },
      },
    },
    loadExistingGrant: createGrantLoader(db),
    interactions: {
      policy: interactionPolicy(),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    rotateRefreshToken: true,
    cookies: {
      names: { session: 'idp_session', interaction: 'idp_interaction', resume: 'idp_resume' },
      keys: cookieSigner(cookieKeys),
      // The session cookie lives as long as the Session (ttl below) unless the person
      // left "Sign me in automatically" unticked: then it ends with the browser, and
      // the Session itself within hours (IDP_SESSION_HOURS, IDP_SESSION_IDLE_MINUTES).
      long: { httpOnly: true, sameSite: 'lax', secure, signed: true },
      short: { httpOnly: true, sameSite: 'lax', secure, signed: true },
    },
    ttl: {
      Session: (_ctx, session) => lifetime(session),
      Grant: config.rememberedSessionSeconds,
      Interaction: 60 * 60,
      AuthorizationCode: 60,
      AccessToken: 60 * 60,
      IdToken: 60 * 60,
      RefreshToken: 30 * 24 * 60 * 60,
      ClientCredentials: 10 * 60,
    },
    renderError(ctx: KoaContextWithOIDC, out, error) {
      ctx.type = 'html';
      const page = pageLanguage(ctx);
      if (isDatabaseUnavailable(error)) {
        // As on our own pages: the store did not answer, so the person may come back in a moment.
        const unavailable = new ServiceUnavailable();
        ctx.status = unavailable.status;
        ctx.set('retry-after', '5');
        ctx.body = renderer.render(
          'error',
          { title: unavailable.title, message: unavailable.message, status: unavailable.status },
          page,
        );
        return;
      }
      const t = idpCatalogues.t(page.language);
      // oidc-provider's descriptions are protocol English for developers; the person gets our words.
      ctx.body = renderer.render(
        'error',
        {
          title: t('errors.server_error.title'),
          message: t('errors.protocol.message'),
          detail: out.error_description,
          code: out.error,
          status: (error as { status?: number }).status,
        },
        page,
      );
    },
  };
  const provider = new Provider(config.issuer, configuration);
  provider.use(async (ctx, next) => {
    let handled = true;
    try {
      await withHeldModelWrites(db, () =>
        next().catch((error: unknown) => {
          handled = false;
          throw error;
        }),
      );
    } catch (error) {
      if (!handled || ctx.headerSent) throw error;
      // Logged and counted like any failure inside oidc-provider's own endpoints.
      provider.emit('server_error', ctx, error);
      // The request's work was done but not kept: what it answered must not go out.
      ctx.remove('location');
      ctx.remove('set-cookie');
      const unavailable = isDatabaseUnavailable(error);
      ctx.status = unavailable ? 503 : 500;
      if (ctx.response.is('json')) {
        ctx.body = { error: unavailable ? 'temporarily_unavailable' : 'server_error' };
        return;
      }
      configuration.renderError!(ctx as KoaContextWithOIDC, { error: 'server_error' }, error as Error);
    }
  });
  // Koa's own proxy rules are all-or-nothing; fastify applies IDP_TRUST_PROXY and the
  // host check, and mountProvider hands on what it decided as X-Forwarded-* headers.
  provider.proxy = true;
  queueBackchannelLogouts(provider, queueLogout);
  return provider;
}

/** The kit's extra end-session parameter by which a site asks for Passport's sign-out too. */
export const FULL_SIGN_OUT_PARAMETER = 'sign_out';

/**
 * A site asks for a full sign-out with `sign_out=all` next to an ID token it was
 * issued in this very session: a link from anywhere else still gets the question,
 * as RP-Initiated Logout 1.0 section 2 requires.
 */
function siteAskedForFullSignOut(ctx: KoaContextWithOIDC): boolean {
  const source = (ctx.method === 'POST' ? ctx.oidc.body : ctx.query) as Record<string, unknown> | undefined;
  if (source?.[FULL_SIGN_OUT_PARAMETER] !== 'all') return false;
  const hint = ctx.oidc.entities.IdTokenHint as { payload?: { sub?: string; sid?: string } } | undefined;
  const session = ctx.oidc.session;
  const client = ctx.oidc.client;
  if (!hint?.payload || !session?.accountId || !client) return false;
  return hint.payload.sub === session.accountId && hint.payload.sid === session.sidFor(client.clientId);
}

/** The language of a page oidc-provider draws: the request's ui_locales, the switch, the browser. */
function pageLanguage(ctx: KoaContextWithOIDC) {
  const language = resolveLanguage({
    uiLocales: ctx.oidc?.params?.ui_locales,
    cookie: ctx.cookies.get(IDP_LANGUAGE_COOKIE),
    acceptLanguage: ctx.get('accept-language'),
  });
  return { language, path: ctx.method === 'GET' ? ctx.originalUrl : '/' };
}
