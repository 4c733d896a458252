import type { PortalExecutor, SubscriptionKind } from '../portal/tables.ts';

export function subscriptionsOf(db: PortalExecutor, companyId: string) {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findSubscription(db: PortalExecutor, companyId: string, subscriptionId: string) {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', subscriptionId)
    .executeTakeFirst();
}

export function findSubscriptionOfProduct(db: PortalExecutor, companyId: string, product: string) {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('product', '=', product)
    .executeTakeFirst();
}

export async function insertSubscription(
  db: PortalExecutor,
  subscription: {
    id: string;
    companyId: string;
    product: string;
    kind: SubscriptionKind;
    licenses: number;
    orderReference: string | null;
    startsAt: number;
    endsAt: number;
    createdBy: string;
  },
) {
  await db
    .insertInto('subscriptions')
    .values({
      id: subscription.id,
      company_id: subscription.companyId,
      product: subscription.product,
      kind: subscription.kind,
      status: 'active',
      licenses: subscription.licenses,
      order_reference: subscription.orderReference,
      starts_at: subscription.startsAt,
      ends_at: subscription.endsAt,
      created_by: subscription.createdBy,
      created_at: subscription.startsAt,
    })
    .execute();
}

/** A trial becomes the paid subscription, keeping its tenant; one conditional write. */
export async function convertTrial(
  db: PortalExecutor,
  subscriptionId: string,
  paid: { licenses: number; orderReference: string | null; endsAt: number },
): Promise<boolean> {
  const result = await db
    .updateTable('subscriptions')
    .set({
      kind: 'paid',
      status: 'active',
      licenses: paid.licenses,
      order_reference: paid.orderReference,
      ends_at: paid.endsAt,
    })
    .where('id', '=', subscriptionId)
    .where('kind', '=', 'trial')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
