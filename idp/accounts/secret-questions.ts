import type { Translate } from '../../shared/i18n/catalogues.ts';
import { idpCatalogues } from '../locales/catalogues.ts';

/** The listed questions, stored by id and worded by the catalogue (`questions.<id>`). */
export const SECRET_QUESTIONS = [
  'mothers_birthplace',
  'childhood_friend',
  'first_pet',
  'favourite_teacher',
  'historical_person',
  'grandfathers_occupation',
  'birth_city',
  'first_school',
];

/** The value of the "Secret question" list that means "I will write my own". */
export const OWN_QUESTION = 'own';

/** A stored question as its reader sees it: a listed one in their language, their own as they wrote it. */
export function questionText(stored: string, t: Translate): string {
  return SECRET_QUESTIONS.includes(stored) ? t(`questions.${stored}`) : stored;
}

/** The list for a select: ids with their words in the page's language. */
export function questionChoices(t: Translate) {
  return SECRET_QUESTIONS.map((id) => ({ id, text: t(`questions.${id}`) }));
}

/**
 * The id of a listed question given its id or its English words (forms made
 * before questions were stored by id, and scripts, post the words); anything
 * else is returned as it came: a question of the person's own.
 */
export function questionIdOf(value: string): string {
  if (SECRET_QUESTIONS.includes(value)) return value;
  const english = idpCatalogues.t('en');
  return SECRET_QUESTIONS.find((id) => english(`questions.${id}`) === value) ?? value;
}
