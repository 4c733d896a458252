/** The languages both services speak; the first is the fallback for everything. */
export const LANGUAGES = ['en', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** Each language named in itself, for the switch: a person finds their language by its own name. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'pt-BR': 'Português (Brasil)' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * One BCP 47 tag to a language we speak: the exact tag, else the same primary
 * language ("pt", "pt-PT" and "PT-br" all get Brazilian Portuguese, "en-GB" English).
 */
export function matchLanguage(tag: string): Language | undefined {
  const wanted = tag.trim().toLowerCase();
  if (!wanted || wanted.length > 35) return undefined;
  const exact = LANGUAGES.find((language) => language.toLowerCase() === wanted);
  if (exact) return exact;
  const primary = wanted.split('-')[0];
  return LANGUAGES.find((language) => language.toLowerCase().split('-')[0] === primary);
}

/** The first language we speak in a space-separated list (OIDC `ui_locales`). */
export function fromUiLocales(uiLocales: unknown): Language | undefined {
  if (typeof uiLocales !== 'string') return undefined;
  for (const tag of uiLocales.split(' ').slice(0, 10)) {
    const language = matchLanguage(tag);
    if (language) return language;
  }
  return undefined;
}

/** The browser's most wanted language we speak, by q-value (RFC 9110 Accept-Language). */
export function fromAcceptLanguage(header: unknown): Language | undefined {
  if (typeof header !== 'string' || header.length > 1000) return undefined;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.weight > 0 && entry.tag !== '*')
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const entry of ranked) {
    const language = matchLanguage(entry.tag);
    if (language) return language;
  }
  return undefined;
}

/** The order every service follows: what the site asked for, the switch, the browser, English. */
export function resolveLanguage(sources: {
  uiLocales?: unknown;
  cookie?: unknown;
  acceptLanguage?: unknown;
}): Language {
  return (
    fromUiLocales(sources.uiLocales) ??
    (isLanguage(sources.cookie) ? sources.cookie : undefined) ??
    fromAcceptLanguage(sources.acceptLanguage) ??
    DEFAULT_LANGUAGE
  );
}
