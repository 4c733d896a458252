import { SubscriptionNotFound } from '../portal/errors.ts';
import { type Member, recordPortalAudit } from '../portal/repository.ts';
import type { PortalDatabase, PortalExecutor } from '../portal/tables.ts';
import { findSubscription } from '../subscriptions/repository.ts';
import { mailCredentialsToPurchasers, type SubscriptionDeps, tenantStore } from '../subscriptions/service.ts';
import type { TenantService } from '../tenants/service.ts';

/** How many times the portal shows a temporary password before it shows it blank (seed 004). */
export const RETRIEVAL_LIMIT = 3;

/** Why the portal shows the password blank: catalogue keys `credentials.blank.*`. */
export type BlankReason = 'changed' | 'exhausted' | 'someone_else';

export type Retrieval = {
  product: string;
  userName: string;
  /** The temporary password in clear, for this one page; never logged, never stored. */
  password: string | undefined;
  blank: BlankReason | undefined;
};

/**
 * Counts a retrieval in ONE conditional write: still stored, fewer than three so
 * far, and nobody else in the company took it first. Of two racing retrievals at
 * the third, the database lets exactly one through.
 */
async function countRetrieval(trx: PortalExecutor, adminUserId: string, memberId: string) {
  return trx
    .updateTable('temporary_credentials')
    .set((eb) => ({
      retrievals: eb('retrievals', '+', 1),
      first_retrieved_by: eb.fn.coalesce('first_retrieved_by', eb.val(memberId)),
    }))
    .where('admin_user_id', '=', adminUserId)
    .where('ciphertext', 'is not', null)
    .where('retrievals', '<', RETRIEVAL_LIMIT)
    .where((eb) => eb.or([eb('first_retrieved_by', 'is', null), eb('first_retrieved_by', '=', memberId)]))
    .returning(['ciphertext', 'retrievals'])
    .executeTakeFirst();
}

function blankReason(
  state: { ciphertext: string | null; firstRetrievedBy: string | null } | undefined,
  memberId: string,
): BlankReason {
  if (!state || state.ciphertext === null) return 'changed';
  if (state.firstRetrievedBy !== null && state.firstRetrievedBy !== memberId) return 'someone_else';
  return 'exhausted';
}

export function createCredentialsService(
  deps: Pick<SubscriptionDeps, 'catalogues' | 'portalUrl' | 'centerUrl' | 'mailQueued'> & {
    db: PortalDatabase;
    tenants: TenantService;
  },
) {
  const { db, tenants } = deps;
  return {
    /** "Get credentials": the service administrator's user name, and the password or why it is blank. */
    async retrieve(member: Member, subscriptionId: string): Promise<Retrieval> {
      return db.transaction().execute(async (trx) => {
        const subscription = await findSubscription(trx, member.companyId, subscriptionId);
        if (!subscription) throw new SubscriptionNotFound();
        const admin = await tenants.findServiceAdministrator(tenantStore(trx), subscription.id);
        if (!admin) throw new SubscriptionNotFound();
        const counted = await countRetrieval(trx, admin.adminUserId, member.id);
        const now = Date.now();
        if (counted?.ciphertext) {
          await recordPortalAudit(trx, {
            companyId: member.companyId,
            memberId: member.id,
            action: 'credentials_shown',
            subscriptionId: subscription.id,
            detail: `${counted.retrievals}/${RETRIEVAL_LIMIT}`,
            now,
          });
          return {
            product: subscription.product,
            userName: admin.userName,
            password: tenants.readTemporaryPassword(counted.ciphertext, admin.adminUserId),
            blank: undefined,
          };
        }
        // Read again after the refused write: what a racing retrieval or a change just committed.
        const state = await tenants.findServiceAdministrator(tenantStore(trx), subscription.id);
        const blank = blankReason(
          state && { ciphertext: state.ciphertext, firstRetrievedBy: state.firstRetrievedBy },
          member.id,
        );
        await recordPortalAudit(trx, {
          companyId: member.companyId,
          memberId: member.id,
          action: 'credentials_blank',
          subscriptionId: subscription.id,
          detail: blank,
          now,
        });
        return { product: subscription.product, userName: admin.userName, password: undefined, blank };
      });
    },

    /**
     * Support staff: a new temporary password for the subscription's service
     * administrator (counted from zero again), mailed to the company's purchasers, audited.
     */
    async resetBySupport(
      staff: Member,
      input: { companyId: string; subscriptionId: string; ticket: string },
    ): Promise<{ userName: string }> {
      const result = await db.transaction().execute(async (trx) => {
        const subscription = await findSubscription(trx, input.companyId, input.subscriptionId);
        if (!subscription) throw new SubscriptionNotFound();
        const admin = await tenants.findServiceAdministrator(tenantStore(trx), subscription.id);
        if (!admin) throw new SubscriptionNotFound();
        const reset = await tenants.resetTemporaryCredentials(tenantStore(trx), {
          adminUserId: admin.adminUserId,
          by: { kind: 'portal_support', id: staff.id, name: staff.name },
        });
        await mailCredentialsToPurchasers(trx, deps, {
          companyId: input.companyId,
          product: subscription.product,
          userName: reset.userName,
          temporaryPassword: reset.temporaryPassword,
          reason: 'reset',
        });
        await recordPortalAudit(trx, {
          companyId: input.companyId,
          memberId: staff.id,
          action: 'credentials_reset',
          subscriptionId: subscription.id,
          detail: input.ticket,
        });
        return { userName: reset.userName };
      });
      deps.mailQueued();
      return result;
    },

    /** What support sees per subscription: the service administrator and the state of the stored copy. */
    async stateOf(subscriptionId: string) {
      const admin = await tenants.findServiceAdministrator(tenantStore(db), subscriptionId);
      if (!admin) return undefined;
      return {
        userName: admin.userName,
        retrievals: admin.retrievals ?? 0,
        stored: admin.ciphertext !== null && admin.ciphertext !== undefined,
      };
    },
  };
}

export type CredentialsService = ReturnType<typeof createCredentialsService>;
