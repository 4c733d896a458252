import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { KitDatabase } from '../tables.ts';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const LOGOUT_TOKEN_TYPE = 'logout+jwt';
// How long a seen jti is remembered; older tokens are refused by their iat anyway.
const REPLAY_WINDOW_MS = 10 * 60 * 1000;

export class InvalidLogoutToken extends Error {
  override name = 'InvalidLogoutToken';
}

/**
 * OpenID Connect Back-Channel Logout 1.0, section 2.6: signature against the
 * IdP's keys, the explicit type (section 2.4), iss, aud, a recent iat, the
 * logout event, sid or sub, no nonce, and a jti never seen before.
 */
export function createLogoutTokenVerifier(options: {
  db: KitDatabase;
  issuer: string;
  clientId: string;
  jwksUri: () => Promise<URL>;
}) {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  return async function verifyLogoutToken(token: unknown): Promise<{ sid?: string; subject?: string }> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
      throw new InvalidLogoutToken('logout_token is missing');
    }
    keys ??= createRemoteJWKSet(await options.jwksUri());
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.clientId,
        // The IdP signs ID tokens with the same keys: only the type tells them apart.
        typ: LOGOUT_TOKEN_TYPE,
        maxTokenAge: '2m',
        requiredClaims: ['iat', 'jti', 'events'],
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new InvalidLogoutToken(error.message);
      throw error;
    }
    const events = payload.events as Record<string, unknown> | undefined;
    if (!events || typeof events[BACKCHANNEL_EVENT] !== 'object')
      throw new InvalidLogoutToken('not a logout event');
    if ('nonce' in payload) throw new InvalidLogoutToken('a logout token carries no nonce');
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    const subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    if (!sid && !subject) throw new InvalidLogoutToken('neither sid nor sub');

    const seen = await options.db
      .insertInto('logout_tokens_seen')
      .values({ jti: String(payload.jti), expires_at: Date.now() + REPLAY_WINDOW_MS })
      .onConflict((conflict) => conflict.column('jti').doNothing())
      .executeTakeFirst();
    if (Number(seen.numInsertedOrUpdatedRows ?? 0) !== 1)
      throw new InvalidLogoutToken('logout token replayed');
    return { sid, subject };
  };
}
