import type { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { oidcErrors, tokensIssued } from '../../shared/observability/metrics.ts';

// Each endpoint's error event (oidc-provider's initialize_app.js), besides server_error.
const CLIENT_ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'userinfo.error',
  'jwks.error',
  'discovery.error',
  'registration_create.error',
  'registration_read.error',
  'registration_update.error',
  'registration_delete.error',
  'revocation.error',
  'introspection.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'pushed_authorization_request.error',
] as const;

const KNOWN_GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

type ProviderError = Error & { error?: unknown; error_description?: unknown; error_detail?: unknown };

// OAuth error codes are a short fixed list; anything else must not grow a label.
function errorCode(error: ProviderError): string {
  return typeof error.error === 'string' && /^[a-z_]{1,40}$/.test(error.error) ? error.error : 'other';
}

function where(ctx: KoaContextWithOIDC | undefined) {
  // The route's name and the client, never the URL: codes and hints travel in it.
  return { route: ctx?.oidc?.route, method: ctx?.method, clientId: ctx?.oidc?.client?.clientId };
}

/**
 * oidc-provider answers errors inside its own endpoints; here each one is
 * logged with its cause and counted, tokens issued are counted by grant, and
 * back-channel logouts by outcome.
 */
export function observeProviderEvents(provider: Provider, log: FastifyBaseLogger): void {
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    oidcErrors.inc({ event: 'server_error', error: 'server_error' });
    log.error({ err: error, ...where(ctx) }, 'oidc-provider failed to answer');
  });

  // @types/oidc-provider names only some of the endpoints' error events.
  const events = provider as unknown as EventEmitter;
  for (const event of CLIENT_ERROR_EVENTS) {
    events.on(event, (ctx: KoaContextWithOIDC, error: ProviderError) => {
      const code = errorCode(error);
      oidcErrors.inc({ event, error: code });
      // A client's mistake, not ours: worth a line for whoever debugs that site.
      log.info(
        {
          event,
          error: code,
          description: error.error_description,
          detail: error.error_detail,
          ...where(ctx),
        },
        'oidc request refused',
      );
    });
  }

  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grant = String(ctx.oidc?.params?.grant_type ?? '');
    tokensIssued.inc({ grant: KNOWN_GRANTS.has(grant) ? grant : 'other' });
  });
  // Back-channel logouts are queued (idp/backchannel): their worker logs and counts each try.
}
