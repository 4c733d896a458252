import { z } from 'zod';
import { textField } from '../../shared/http/form.ts';
import { translate } from '../../shared/i18n/context.ts';
import { questionIdOf, SECRET_QUESTIONS } from '../accounts/secret-questions.ts';
import { botCheckAnswer } from '../throttling/guard.ts';

export const SECURITY_KEY_MIN_LENGTH = 8;
export const SECURITY_KEY_MAX_LENGTH = 256;
export const ANSWER_MAX_LENGTH = 100;

/** The list the three security key questions are chosen from. */
export const SECURITY_KEY_QUESTIONS = SECRET_QUESTIONS;

// A key is case-sensitive and kept exactly as typed, like a password.
const keyField = (label: string) => textField(label, { max: SECURITY_KEY_MAX_LENGTH, trim: false });
const answerField = (label: string) => textField(label, { max: ANSWER_MAX_LENGTH, min: 3 });
const questionField = (label: string) =>
  textField(label, { max: 100 })
    .transform(questionIdOf)
    .refine((question) => SECURITY_KEY_QUESTIONS.includes(question), {
      error: () => translate('form_errors.question_from_list'),
    });

const newKey = z.object({
  key: keyField('fields.security_key'),
  key2: keyField('fields.retype_security_key'),
});

function checkNewKey(form: { key: string; key2: string }, context: z.core.$RefinementCtx) {
  if ([...form.key].length < SECURITY_KEY_MIN_LENGTH) {
    context.addIssue({
      code: 'custom',
      path: ['key'],
      message: translate('form_errors.min_length', { min: SECURITY_KEY_MIN_LENGTH }),
    });
  }
  if (form.key2 !== form.key) {
    context.addIssue({ code: 'custom', path: ['key2'], message: translate('form_errors.keys_differ') });
  }
}

/** Choosing a key and its three questions (set-up, and changing them in account services). */
export const setUpForm = newKey
  .extend({
    question1: questionField('fields.question_1'),
    question2: questionField('fields.question_2'),
    question3: questionField('fields.question_3'),
    answer1: answerField('fields.answer_1'),
    answer2: answerField('fields.answer_2'),
    answer3: answerField('fields.answer_3'),
  })
  .superRefine((form, context) => {
    checkNewKey(form, context);
    if (form.question2 === form.question1) {
      context.addIssue({
        code: 'custom',
        path: ['question2'],
        message: translate('form_errors.three_different'),
      });
    }
    if (form.question3 === form.question1 || form.question3 === form.question2) {
      context.addIssue({
        code: 'custom',
        path: ['question3'],
        message: translate('form_errors.three_different'),
      });
    }
  })
  .transform((form) => ({
    key: form.key,
    questions: [form.question1, form.question2, form.question3],
    answers: [form.answer1, form.answer2, form.answer3],
  }));

export type SetUpChoice = z.infer<typeof setUpForm>;

/** A new key after a reset: the questions stay. */
export const newKeyForm = newKey.superRefine(checkNewKey).transform((form) => form.key);

// The guarded forms carry the bot check's answer once the guard asks for it.
export const keyForm = z.object({ key: keyField('fields.security_key'), altcha: botCheckAnswer });

// Answering is lenient about length (the answers were checked when chosen);
// only the upper bound protects the hashing.
const givenAnswer = (label: string) => textField(label, { max: ANSWER_MAX_LENGTH });

export const answersForm = z
  .object({
    answer1: givenAnswer('fields.answer_1'),
    answer2: givenAnswer('fields.answer_2'),
    answer3: givenAnswer('fields.answer_3'),
    altcha: botCheckAnswer,
  })
  .transform((form) => ({ answers: [form.answer1, form.answer2, form.answer3], altcha: form.altcha }));
