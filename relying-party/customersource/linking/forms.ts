import { z } from 'zod';
import { emailField, textField } from '../../../shared/http/form.ts';

/** Seed 000 step 8: the address registered with the company, which may differ from the Passport's. */
export const associationRequestForm = z.object({ email: emailField('fields.email') });

export const profileChoiceForm = z.object({ profile: textField('fields.profile', { max: 100 }) });
