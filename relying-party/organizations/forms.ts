import { z } from 'zod';
import { checkbox, emailField, textField } from '../../shared/http/form.ts';
import { SERVICE_PLANS } from './plan.ts';

/**
 * Add New Professionals and the edit form: the same fields. On the edit form the
 * invite box reads "to the new address" and counts only when the address changed.
 */
export const profileForm = z.object({
  name: textField('Name', { max: 100 }),
  email: emailField('E-mail address'),
  is_admin: checkbox,
  send_invite: checkbox,
});

export const administratorForm = z.object({
  administrator: z.enum(['yes', 'no'], { error: 'Choose whether this profile is an administrator.' }),
});

export const organizationSearchForm = z.object({ name: textField('Organization name', { max: 100 }) });

/** Support names an existing profile as the organization's administrator. */
export const namedAdministratorForm = z.object({
  profile: z
    .string({ error: 'Choose a profile.' })
    .min(1, 'Choose a profile.')
    .max(100, 'Choose a profile from the list.'),
});

/** Support adds a new profile as administrator; it is always invited. */
export const newAdministratorForm = z.object({
  name: textField('Name', { max: 100 }),
  email: emailField('E-mail address'),
});

const day = textField('Plan end date', { max: 10 })
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the plan end date as YYYY-MM-DD.'))
  .refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    const year = parsed.getUTCFullYear();
    // Also catches dates that do not exist, such as 2025-02-30.
    return (
      !Number.isNaN(parsed.getTime()) &&
      parsed.toISOString().startsWith(value) &&
      year >= 2000 &&
      year <= 2100
    );
  }, 'Enter a real date between 2000 and 2100.');

export const planForm = z.object({
  plan: z.enum(SERVICE_PLANS, { error: 'Choose a service plan.' }),
  plan_ends_at: day,
});

/** An id in an address; anything else names no profile or organization. */
export const recordId = z.string().regex(/^[\w-]{1,64}$/);
