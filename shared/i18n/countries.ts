import type { Language } from './languages.ts';

const displayNames = new Map<Language, Intl.DisplayNames>();

/** A country or region's name in a language, from the runtime's CLDR data (ISO 3166 code in). */
export function countryName(code: string, language: Language): string {
  let names = displayNames.get(language);
  if (!names) {
    names = new Intl.DisplayNames([language], { type: 'region', fallback: 'code' });
    displayNames.set(language, names);
  }
  return names.of(code) ?? code;
}

/** Codes with names in a language, in that language's alphabetical order. */
export function countriesByName(codes: readonly string[], language: Language) {
  const collator = new Intl.Collator(language);
  return codes
    .map((code) => ({ code, name: countryName(code, language) }))
    .sort((a, b) => collator.compare(a.name, b.name));
}
