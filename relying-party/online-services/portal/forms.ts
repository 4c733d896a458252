import { z } from 'zod';
import { checkbox, emailField, textField } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import { translate } from '../../../shared/i18n/context.ts';
import { COUNTRY_CODES } from '../../../shared/i18n/countries.ts';
import { PRODUCT_KEYS } from '../subscriptions/products.ts';

const choose = (key: string) => ({ error: () => translate(key) });

const product = z.enum(PRODUCT_KEYS as [string, ...string[]], choose('form_problems.choose_product'));

export const JOIN_FORM: FormShape = { fields: ['your_name', 'company_name', 'country'] };
export const joinForm = z.object({
  your_name: textField('fields.your_name', { max: 100 }),
  company_name: textField('fields.company_name', { max: 100 }),
  country: z
    .string(choose('form_problems.choose_country'))
    .refine((code) => COUNTRY_CODES.has(code), choose('form_problems.choose_country')),
});

export const TRIAL_FORM: FormShape = { fields: ['trial_product'] };
export const trialForm = z.object({ trial_product: product });

export const ACTIVATE_FORM: FormShape = { fields: ['product', 'licenses', 'order_reference', 'accept'] };
export const activateForm = z.object({
  product,
  licenses: textField('fields.licenses', { max: 6 })
    .pipe(z.string().regex(/^\d+$/, choose('form_problems.licenses_number')))
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, choose('form_problems.licenses_range'))
        .max(10_000, choose('form_problems.licenses_range')),
    ),
  order_reference: z
    .string()
    .max(200)
    .optional()
    .transform((value) => value?.trim() || undefined)
    .pipe(textField('fields.order_reference', { max: 40 }).optional()),
  accept: checkbox.refine((ticked) => ticked, choose('form_problems.accept_terms')),
});

export const ACTIONS = ['get_credentials'] as const;
export const actionForm = z.object({ action: z.enum(ACTIONS, choose('form_problems.choose_action')) });

export const PEOPLE_FORM: FormShape = { fields: ['name', 'email', 'role'] };
export const peopleForm = z.object({
  name: textField('fields.name', { max: 100 }),
  email: emailField('fields.email'),
  role: z.enum(['purchaser', 'billing_admin'], choose('form_problems.choose_role')),
});

export const SEARCH_FORM: FormShape = { fields: ['name'] };
export const searchForm = z.object({ name: textField('fields.company_name', { max: 100 }) });

export const RESET_FORM: FormShape = { fields: ['ticket'] };
export const resetForm = z.object({ ticket: textField('fields.ticket', { max: 40 }) });

/** Ids in paths are ours (UUIDs); anything else is a page that does not exist. */
export const recordId = z.uuid();
