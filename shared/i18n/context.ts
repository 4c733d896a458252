import { AsyncLocalStorage } from 'node:async_hooks';
import type { Translate } from './catalogues.ts';
import { DEFAULT_LANGUAGE, type Language } from './languages.ts';

export type LanguageContext = { language: Language; t: Translate };

const current = new AsyncLocalStorage<LanguageContext>();

/** Runs `next` with the request's language, so errors and form messages built below it speak it. */
export function withLanguage<T>(context: LanguageContext, next: () => T): T {
  return current.run(context, next);
}

/** The current request's language; English outside a request (workers, start-up). */
export function currentLanguage(): Language {
  return current.getStore()?.language ?? DEFAULT_LANGUAGE;
}

/**
 * A catalogue word in the current request's language. Domain errors and form
 * messages are built deep inside services that know no request; outside a request
 * there is no catalogue, and the key itself stands (it names the problem).
 */
export function translate(key: string, vars?: Record<string, unknown>): string {
  const context = current.getStore();
  return context ? context.t(key, vars) : key;
}
