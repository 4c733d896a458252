import { BPOS_SERVICES } from '../tenants/service.ts';

/** What a company can subscribe to, and the services its tenant gets (tenant_services keys). */
export const PRODUCTS = {
  bpos_standard: { services: BPOS_SERVICES, trialDays: 30 },
  exchange_online_standard: { services: ['exchange_online'], trialDays: 30 },
} as const satisfies Record<string, { services: readonly string[]; trialDays: number }>;

export type ProductKey = keyof typeof PRODUCTS;

export const PRODUCT_KEYS = Object.keys(PRODUCTS) as ProductKey[];

export function isProduct(value: string): value is ProductKey {
  return Object.hasOwn(PRODUCTS, value);
}

/** A paid subscription runs a year from activation. */
export const PAID_DAYS = 365;
