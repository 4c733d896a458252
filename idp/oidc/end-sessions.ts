import type Provider from 'oidc-provider';
import type { IdpDatabase } from '../database.ts';

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
  db: IdpDatabase,
  accountId: string,
  keep?: { sessionId: string },
): Promise<void> {
  const rows = await db
    .selectFrom('oidc_models')
    .select(['kind', 'id', 'payload'])
    .where('account_id', '=', accountId)
    .where('kind', '=', 'Session')
    .execute();
  const kept = rows.find((row) => row.kind === 'Session' && row.id === keep?.sessionId);
  const keptGrants = Object.values((kept && (JSON.parse(kept.payload) as StoredSession).authorizations) ?? {})
    .map((authorization) => authorization.grantId)
    .filter((grantId): grantId is string => Boolean(grantId));
  const ended = rows.filter((row) => row !== kept).map((row) => JSON.parse(row.payload) as StoredSession);

  await db.transaction().execute(async (tx) => {
    let doomed = tx
      .deleteFrom('oidc_models')
      .where('account_id', '=', accountId)
      .where('kind', '!=', 'Client');
    if (kept) {
      doomed = doomed.where((eb) =>
        eb.and([
          eb.or([eb('kind', '!=', 'Session'), eb('id', '!=', kept.id)]),
          ...(keptGrants.length > 0
            ? [
                eb.or([eb('grant_id', 'is', null), eb('grant_id', 'not in', keptGrants)]),
                eb.or([eb('kind', '!=', 'Grant'), eb('id', 'not in', keptGrants)]),
              ]
            : []),
        ]),
      );
    }
    await doomed.execute();
  });

  await Promise.allSettled(
    ended.flatMap((session) =>
      Object.entries(session.authorizations ?? {}).map(async ([clientId, { sid }]) => {
        const client = (await provider.Client.find(clientId)) as BackchannelClient | undefined;
        if (client?.backchannelLogoutUri && sid) await client.backchannelLogout(accountId, sid);
      }),
    ),
  );
}
