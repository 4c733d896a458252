import type { Language } from './languages.ts';

/** A moment as the person reads dates in their language (UTC unless a zone is given). */
export function formatDateTime(moment: Date, language: Language, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(
    moment,
  );
}

export function formatDate(moment: Date, language: Language, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone }).format(moment);
}
