import type Provider from 'oidc-provider';
import type { ShortLivedStore } from '../state/short-lived-store.ts';

// oidc-provider's Client has these; its published types leave them out.
type BackchannelClient = {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
};

type StoredSession = {
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
};

/**
 * Ends a person's sessions at the IdP, and with them every grant, refresh and
 * access token, except those of the session to keep (the browser that made a
 * password change). Sites that asked for it get a back-channel logout token
 * for each ended session, so they end theirs too.
 */
export async function endSessions(
  provider: Provider,
  shortLived: ShortLivedStore,
  accountId: string,
  keep?: { sessionId: string },
): Promise<void> {
  const sessions = await shortLived.sessionsOf(accountId);
  const kept = sessions.find((session) => session.id === keep?.sessionId);
  const keptGrants = Object.values((kept?.payload as StoredSession | undefined)?.authorizations ?? {})
    .map((authorization) => authorization.grantId)
    .filter((grantId): grantId is string => Boolean(grantId));
  const ended = sessions
    .filter((session) => session !== kept)
    .map((session) => session.payload as StoredSession);

  await shortLived.forgetAccount(accountId, kept && { sessionId: kept.id, grantIds: keptGrants });

  await Promise.allSettled(
    ended.flatMap((session) =>
      Object.entries(session.authorizations ?? {}).map(async ([clientId, { sid }]) => {
        const client = (await provider.Client.find(clientId)) as BackchannelClient | undefined;
        if (client?.backchannelLogoutUri && sid) await client.backchannelLogout(accountId, sid);
      }),
    ),
  );
}
