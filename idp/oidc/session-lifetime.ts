import type { IdpConfig } from '../../shared/config/idp.ts';

type SessionTimes = { transient?: boolean; loginTs?: number };

/**
 * How long the store keeps a session from now. oidc-provider asks on every
 * save, and it saves a session each time a sign-in passes through it, so for
 * a session without "Sign me in automatically" this is both the idle timeout
 * (renewed by use) and what is left of its absolute lifetime since sign-in.
 * A remembered session keeps its days, as the person asked.
 */
export function sessionLifetime(
  config: Pick<IdpConfig, 'rememberedSessionSeconds' | 'sessionSeconds' | 'sessionIdleSeconds'>,
) {
  return (session: SessionTimes, now = Date.now()): number => {
    if (!session.transient) return config.rememberedSessionSeconds;
    const nowSeconds = Math.floor(now / 1000);
    const left = (session.loginTs ?? nowSeconds) + config.sessionSeconds - nowSeconds;
    // oidc-provider stores a ttl of 0 without expiry: a second is the shortest life.
    return Math.max(1, Math.min(config.sessionIdleSeconds, left));
  };
}
