import { Redis } from 'ioredis';
import type { AdapterPayload } from 'oidc-provider';
import type { IdpDatabase } from '../../idp/database.ts';
import type { ShortLivedStore } from '../../idp/state/short-lived-store.ts';

type WithStore = { shortLived: ShortLivedStore };

type SessionPayload = AdapterPayload & { loginTs: number; acr?: string; exp?: number; accountId: string };

/**
 * A person's IdP sessions as stored, read through the IdP's own short-lived
 * store, so a test sees the same in the database and in Redis.
 */
export async function storedSessions(idp: WithStore, accountId: string) {
  const sessions = await idp.shortLived.sessionsOf(accountId);
  return sessions.map((session) => ({ ...session, payload: session.payload as SessionPayload }));
}

/** Rewrites one stored session, keeping its expiry. */
export async function rewriteSession(
  idp: WithStore,
  session: { id: string; payload: SessionPayload; expiresAt: number | null },
  change: (payload: SessionPayload) => void,
) {
  const payload = structuredClone(session.payload);
  change(payload);
  const expiresIn = session.expiresAt === null ? 0 : Math.ceil((session.expiresAt - Date.now()) / 1000);
  await idp.shortLived.adapter('Session').upsert(session.id, payload, expiresIn);
}

/** Moves every sign-in of this person `seconds` into the past; returns the session ids. */
export async function ageSignIns(idp: WithStore, accountId: string, seconds: number) {
  const sessions = await storedSessions(idp, accountId);
  for (const session of sessions) {
    await rewriteSession(idp, session, (payload) => {
      payload.loginTs -= seconds;
    });
  }
  return sessions.map((session) => session.id);
}

/** Security key steps this person has waiting, with what each keeps. */
export function pendingSteps(idp: WithStore, accountId: string) {
  return idp.shortLived.pendingStepsOf(accountId);
}

type WithCounters = {
  db: IdpDatabase;
  config: { redis?: { url: string; keyPrefix: string } };
};

/**
 * Time passing for the throttles without waiting: the window and the last
 * failure of each counter (or of the one named) move `ms` into the past,
 * wherever the IdP keeps its counters.
 */
export async function moveThrottlesBack(idp: WithCounters, ms: number, key?: string) {
  if (!idp.config.redis) {
    let counters = idp.db.updateTable('throttle_counters').set((eb) => ({
      window_started_at: eb('window_started_at', '-', ms),
      updated_at: eb('updated_at', '-', ms),
    }));
    if (key) counters = counters.where('key', '=', key);
    await counters.execute();
    return;
  }
  const { url, keyPrefix } = idp.config.redis;
  const redis = new Redis(url);
  try {
    // The layout of shared/state/counters.ts: a hash with the window start (s) and last count (u).
    const keys = key ? [`${keyPrefix}counter:${key}`] : await redis.keys(`${keyPrefix}counter:*`);
    for (const counter of keys) {
      await redis.multi().hincrby(counter, 's', -ms).hincrby(counter, 'u', -ms).exec();
    }
  } finally {
    await redis.quit();
  }
}
