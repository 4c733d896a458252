import { formatDate } from '../../../shared/i18n/dates.ts';
import type { Language } from '../../../shared/i18n/languages.ts';
import type { OrganizationKind, ServicePlan } from '../database.ts';

export const SERVICE_PLANS = ['service', 'support', 'enhancement'] as const satisfies readonly ServicePlan[];

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A plan's end date is its last day (UTC). The store keeps the first instant
 * after it, so "active" is one comparison: plan_ends_at > now.
 */
export function planEndsAtFromLastDay(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) + DAY_MS;
}

/** The plan's last day as a date field shows it (YYYY-MM-DD). */
export function lastPlanDay(planEndsAt: number): string {
  return new Date(planEndsAt - 1).toISOString().slice(0, 10);
}

/** The plan's last day in words in the reader's language, e.g. "May 1, 2026", "1 de maio de 2026". */
export function formatLastPlanDay(planEndsAt: number, language: Language): string {
  return formatDate(new Date(planEndsAt - 1), language);
}

/** A plan whose last day is `daysFromToday` days from today (negative: in the past). */
export function planEndsAtInDays(daysFromToday: number, now = Date.now()): number {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return today + (daysFromToday + 1) * DAY_MS;
}

export type PlanHolder = {
  organizationKind: OrganizationKind;
  plan: string | null;
  planEndsAt: number | null;
};

/** Customers need a current plan; partners and staff always have access (seed 001, footnote 1). */
export function hasAccess(organization: PlanHolder, now = Date.now()): boolean {
  if (organization.organizationKind !== 'customer') return true;
  return organization.plan !== null && organization.planEndsAt !== null && organization.planEndsAt > now;
}
