import { z } from 'zod';
import { checkbox, choiceField, emailField, textField } from '../../../shared/http/form.ts';
import { translate } from '../../../shared/i18n/context.ts';
import { SERVICE_PLANS } from './plan.ts';

/**
 * Add New Professionals and the edit form: the same fields. On the edit form the
 * invite box reads "to the new address" and counts only when the address changed.
 */
export const profileForm = z.object({
  name: textField('fields.name', { max: 100 }),
  email: emailField('fields.email'),
  is_admin: checkbox,
  send_invite: checkbox,
});

export const administratorForm = z.object({
  administrator: z.enum(['yes', 'no'], { error: () => translate('form_problems.choose_administrator') }),
});

export const organizationSearchForm = z.object({ name: textField('fields.organization_name', { max: 100 }) });

/** Support names an existing profile as the organization's administrator. */
export const namedAdministratorForm = z.object({
  profile: z
    .string({ error: () => translate('form_problems.choose_profile') })
    .min(1, { error: () => translate('form_problems.choose_profile') })
    .max(100, { error: () => translate('form_problems.choose_profile_from_list') })
    // A profile id is on the list or it is not: with a NUL, PostgreSQL would fail the lookup instead.
    .refine((value) => choiceField(100).safeParse(value).success, {
      error: () => translate('form_problems.choose_profile_from_list'),
    }),
});

/** Support adds a new profile as administrator; it is always invited. */
export const newAdministratorForm = z.object({
  name: textField('fields.name', { max: 100 }),
  email: emailField('fields.email'),
});

const day = textField('fields.plan_end_date', { max: 10 })
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: () => translate('form_problems.plan_date_format') }))
  .refine(
    (value) => {
      const parsed = new Date(`${value}T00:00:00Z`);
      const year = parsed.getUTCFullYear();
      // Also catches dates that do not exist, such as 2025-02-30.
      return (
        !Number.isNaN(parsed.getTime()) &&
        parsed.toISOString().startsWith(value) &&
        year >= 2000 &&
        year <= 2100
      );
    },
    { error: () => translate('form_problems.plan_date_real') },
  );

export const planForm = z.object({
  plan: z.enum(SERVICE_PLANS, { error: () => translate('form_problems.choose_plan') }),
  plan_ends_at: day,
});

/** An id in an address; anything else names no profile or organization. */
export const recordId = z.string().regex(/^[\w-]{1,64}$/);
