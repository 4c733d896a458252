import { z } from 'zod';
import { emailField, textField } from '../../shared/http/form.ts';
import { translate } from '../../shared/i18n/context.ts';
import { COUNTRY_CODES } from '../../shared/i18n/countries.ts';
import { ROLES } from './organizations/service.ts';

const PHONE = /^\+?[0-9 ()./-]{5,30}$/;

/** The Individual Profile (seed 003): who the person is to their organization. */
export const individualForm = z.object({
  name: textField('fields.name', { max: 100 }),
  email: emailField('fields.preferred_email'),
  phone: textField('fields.phone', { max: 30 }).refine((value) => PHONE.test(value), {
    error: () => translate('form_problems.phone'),
  }),
  country: textField('fields.country', { max: 2 }).refine((code) => COUNTRY_CODES.has(code), {
    error: () => translate('form_problems.country'),
  }),
});

/** A box a browser always sends, that may be left empty. */
const optionalLocation = (label: string) =>
  z.preprocess((value) => value ?? '', textField(label, { max: 100, min: 0 }));

/** Enrolment: the organization, its address and one to three locations (more are added later). */
export const enrolForm = z.object({
  name: textField('fields.organization_name', { max: 100 }),
  address: textField('fields.address', { max: 200 }),
  location_1: textField('fields.location_1', { max: 100 }),
  location_2: optionalLocation('fields.location_2'),
  location_3: optionalLocation('fields.location_3'),
});

/** An id in an address or a form; anything else names nothing. */
export const recordId = z.string().regex(/^[\w-]{1,64}$/);

export const organizationIdForm = z.object({
  organization_id: textField('fields.organization_id', { max: 64 }).refine(
    (value) => recordId.safeParse(value).success,
    {
      error: () => translate('form_problems.organization_id'),
    },
  ),
});

export const locationChoiceForm = z.object({
  location: z
    .string({ error: () => translate('form_problems.choose_location') })
    .pipe(
      recordId
        .or(z.literal(''))
        .refine((value) => value !== '', { error: () => translate('form_problems.choose_location') }),
    ),
});

export const roleChangeForm = z.object({
  role: z.enum(ROLES),
  change: z.enum(['grant', 'revoke']),
});

export const decisionForm = z.object({ decision: z.enum(['approve', 'decline']) });
