import type { AdapterPayload } from 'oidc-provider';
import { databaseCounters } from '../../shared/state/counters.ts';
import { databaseSpentProofs } from '../../shared/state/spent-proofs.ts';
import type { IdpDatabase } from '../database.ts';
import { createAdapterFactory, revokeGrants, sweepExpiredModels } from '../oidc/adapter.ts';
import type { ShortLivedStore, StoredArtifact } from './short-lived-store.ts';

/** Pending security key steps sit in oidc_models beside the sessions they end with. */
const PENDING_KIND = 'PendingSecurityKey';

/** Short-lived state in the IdP's own database: one SQLite file or PostgreSQL, nothing else to run. */
export function databaseShortLivedStore(db: IdpDatabase): ShortLivedStore {
  const adapters = createAdapterFactory(db);

  async function liveOfKind(kind: string, accountId: string, now = Date.now()): Promise<StoredArtifact[]> {
    const rows = await db
      .selectFrom('oidc_models')
      .select(['id', 'payload', 'expires_at'])
      .where('kind', '=', kind)
      .where('account_id', '=', accountId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .execute();
    return rows.map((row) => ({
      id: row.id,
      payload: JSON.parse(row.payload) as AdapterPayload,
      expiresAt: row.expires_at,
    }));
  }

  return {
    adapter: adapters,
    sessionsOf: (accountId) => liveOfKind('Session', accountId),
    grantsOf: (accountId) => liveOfKind('Grant', accountId),

    async forgetAccount(accountId, keep) {
      let doomed = db
        .deleteFrom('oidc_models')
        .where('account_id', '=', accountId)
        .where('kind', '!=', 'Client');
      if (keep) {
        const { sessionId, grantIds } = keep;
        doomed = doomed.where((eb) =>
          eb.and([
            eb.or([eb('kind', '!=', 'Session'), eb('id', '!=', sessionId)]),
            ...(grantIds.length > 0
              ? [
                  eb.or([eb('grant_id', 'is', null), eb('grant_id', 'not in', grantIds)]),
                  eb.or([eb('kind', '!=', 'Grant'), eb('id', 'not in', grantIds)]),
                ]
              : []),
          ]),
        );
      }
      await doomed.execute();
    },

    revokeGrants: (grantIds) => revokeGrants(db, [...grantIds]),

    async savePendingStep(id, accountId, payload, expiresAt) {
      const row = { payload: JSON.stringify(payload), account_id: accountId, expires_at: expiresAt };
      await db
        .insertInto('oidc_models')
        .values({
          kind: PENDING_KIND,
          id,
          grant_id: null,
          user_code: null,
          uid: null,
          consumed_at: null,
          ...row,
        })
        .onConflict((conflict) => conflict.columns(['kind', 'id']).doUpdateSet(row))
        .execute();
    },

    async findPendingStep(id, accountId, now = Date.now()) {
      const row = await db
        .selectFrom('oidc_models')
        .select(['payload', 'expires_at'])
        .where('kind', '=', PENDING_KIND)
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!row || (row.expires_at !== null && row.expires_at <= now)) return undefined;
      return { payload: JSON.parse(row.payload) as unknown, expiresAt: row.expires_at ?? now };
    },

    async takePendingStep(id) {
      const result = await db
        .deleteFrom('oidc_models')
        .where('kind', '=', PENDING_KIND)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async pendingStepsOf(accountId) {
      const steps = await liveOfKind(PENDING_KIND, accountId);
      return steps.map((step) => ({
        payload: step.payload as unknown,
        expiresAt: step.expiresAt ?? Date.now(),
      }));
    },

    counters: databaseCounters(db),
    spentProofs: databaseSpentProofs(db),

    async sweep(now = Date.now()) {
      await sweepExpiredModels(db, now);
    },
    // The database belongs to the IdP, which closes it.
    close: async () => {},
  };
}
