import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../../shared/db/errors.ts';
import type { Catalogues } from '../../../shared/i18n/catalogues.ts';
import { mailWords } from '../../../shared/i18n/mail.ts';
import { enqueueMail } from '../../../shared/mail/outbox.ts';
import type { OnlineServicesExecutor } from '../database.ts';
import { fieldRefusal } from '../portal/errors.ts';
import { type Member, purchasersOf, recordPortalAudit } from '../portal/repository.ts';
import type { PortalDatabase, PortalExecutor } from '../portal/tables.ts';
import type { TenantService } from '../tenants/service.ts';
import { credentialsMail } from './mails.ts';
import { PAID_DAYS, PRODUCTS, type ProductKey } from './products.ts';
import {
  convertTrial,
  findSubscriptionOfProduct,
  insertSubscription,
  subscriptionsOf,
} from './repository.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The portal's transaction seen as the tenants' store: the same database, a narrower schema. */
export function tenantStore(trx: PortalExecutor): OnlineServicesExecutor {
  return trx as unknown as OnlineServicesExecutor;
}

export type SubscriptionDeps = {
  db: PortalDatabase;
  tenants: TenantService;
  catalogues: Catalogues;
  portalUrl: string;
  centerUrl: string;
  mailQueued: () => void;
};

/** Mails the purchasers a tenant's new temporary credentials, inside the caller's transaction. */
export async function mailCredentialsToPurchasers(
  trx: PortalExecutor,
  deps: Pick<SubscriptionDeps, 'catalogues' | 'portalUrl' | 'centerUrl'>,
  details: {
    companyId: string;
    product: string;
    userName: string;
    temporaryPassword: string;
    reason: 'started' | 'reset';
  },
) {
  for (const purchaser of await purchasersOf(trx, details.companyId)) {
    const { t } = mailWords(deps.catalogues, purchaser.language);
    await enqueueMail(
      trx,
      credentialsMail(t, purchaser.email, {
        name: purchaser.name,
        productName: t(`products.${details.product}`),
        userName: details.userName,
        temporaryPassword: details.temporaryPassword,
        centerUrl: deps.centerUrl,
        portalUrl: deps.portalUrl,
        reason: details.reason,
      }),
    );
  }
}

/**
 * Trials and paid subscriptions. Starting either makes the service tenant and its
 * service administrator in the same transaction as the subscription and the mail.
 */
export function createSubscriptionService(deps: SubscriptionDeps) {
  const { db } = deps;

  async function start(
    member: Member,
    input: {
      product: ProductKey;
      kind: 'trial' | 'paid';
      licenses: number;
      orderReference: string | null;
      language: string;
    },
  ): Promise<'started' | 'converted'> {
    const now = Date.now();
    try {
      const outcome = await db.transaction().execute(async (trx) => {
        const existing = await findSubscriptionOfProduct(trx, member.companyId, input.product);
        if (existing) {
          // A paid activation of a running trial keeps its tenant and its credentials.
          if (input.kind === 'paid' && existing.kind === 'trial') {
            const converted = await convertTrial(trx, existing.id, {
              licenses: input.licenses,
              orderReference: input.orderReference,
              endsAt: now + PAID_DAYS * DAY_MS,
            });
            if (converted) {
              await recordPortalAudit(trx, {
                companyId: member.companyId,
                memberId: member.id,
                action: 'subscription_activated',
                subscriptionId: existing.id,
                now,
              });
              return 'converted' as const;
            }
          }
          throw fieldRefusal('product', 'subscriptions.errors.exists');
        }
        const subscriptionId = randomUUID();
        const product = PRODUCTS[input.product];
        await insertSubscription(trx, {
          id: subscriptionId,
          companyId: member.companyId,
          product: input.product,
          kind: input.kind,
          licenses: input.licenses,
          orderReference: input.orderReference,
          startsAt: now,
          endsAt: now + (input.kind === 'trial' ? product.trialDays : PAID_DAYS) * DAY_MS,
          createdBy: member.id,
        });
        const tenant = await deps.tenants.provisionTenant(tenantStore(trx), {
          subscriptionId,
          companyName: member.companyName,
          services: product.services,
          language: input.language,
          contactEmail: member.email,
        });
        await mailCredentialsToPurchasers(trx, deps, {
          companyId: member.companyId,
          product: input.product,
          userName: tenant.userName,
          temporaryPassword: tenant.temporaryPassword,
          reason: 'started',
        });
        await recordPortalAudit(trx, {
          companyId: member.companyId,
          memberId: member.id,
          action: input.kind === 'trial' ? 'trial_started' : 'subscription_activated',
          subscriptionId,
          now,
        });
        return 'started' as const;
      });
      if (outcome === 'started') deps.mailQueued();
      return outcome;
    } catch (error) {
      // Two submissions at once: the other one started it.
      if (isUniqueViolation(error)) throw fieldRefusal('product', 'subscriptions.errors.exists');
      throw error;
    }
  }

  return {
    list: (companyId: string) => subscriptionsOf(db, companyId),
    startTrial: (member: Member, product: ProductKey, language: string) =>
      start(member, { product, kind: 'trial', licenses: 25, orderReference: null, language }),
    activate: (
      member: Member,
      input: { product: ProductKey; licenses: number; orderReference: string | null; language: string },
    ) => start(member, { ...input, kind: 'paid' }),
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
