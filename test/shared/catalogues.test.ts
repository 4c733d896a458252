import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, test } from 'vitest';
import { idpCatalogues } from '../../idp/locales/catalogues.ts';
import { relyingPartyCatalogues } from '../../relying-party/customersource/locales/catalogues.ts';
import { cataloguesOf } from '../../relying-party/kit/site.ts';
import { centerCatalogues } from '../../relying-party/membership-center/locales/catalogues.ts';
import { adminCenterCatalogues } from '../../relying-party/online-services/locales/admin/catalogues.ts';
import { PORTAL_LOCALES } from '../../relying-party/online-services/portal/site.ts';
import { fromAcceptLanguage, resolveLanguage } from '../../shared/i18n/languages.ts';
import { sameSitePath } from '../../shared/i18n/request-language.ts';

const SERVICES = {
  idp: idpCatalogues,
  'relying-party': relyingPartyCatalogues,
  'customer portal': cataloguesOf({ locales: PORTAL_LOCALES }),
  'administration center': adminCenterCatalogues,

  'membership-center': centerCatalogues,
};

describe.each(Object.entries(SERVICES))('the %s catalogues', (_name, catalogues) => {
  test('English and Brazilian Portuguese have exactly the same keys', () => {
    const english = new Set(catalogues.keys('en'));
    const portuguese = new Set(catalogues.keys('pt-BR'));
    expect(
      [...english].filter((key) => !portuguese.has(key)),
      'missing in pt-BR',
    ).toEqual([]);
    expect(
      [...portuguese].filter((key) => !english.has(key)),
      'missing in en',
    ).toEqual([]);
  });

  test('every message is valid ICU and names the same variables in both languages', () => {
    for (const key of catalogues.keys('en')) {
      const variables = (language: 'en' | 'pt-BR') => {
        const message = catalogues.t(language)(key, { __probe: true });
        expect(message, `${language} ${key}`).not.toBe(key);
        return new Set(variablesOf(rawMessage(catalogues, language, key), language));
      };
      expect([...variables('pt-BR')].sort(), key).toEqual([...variables('en')].sort());
    }
  });
});

test('a browser asking for Portuguese of any region gets Brazilian Portuguese, by preference order', () => {
  expect(fromAcceptLanguage('pt-BR,pt;q=0.9,en;q=0.8')).toBe('pt-BR');
  expect(fromAcceptLanguage('pt-PT')).toBe('pt-BR');
  expect(fromAcceptLanguage('de-DE,en;q=0.5,pt;q=0.4')).toBe('en');
  expect(fromAcceptLanguage('en;q=0.1,pt-BR;q=0.9')).toBe('pt-BR');
  expect(fromAcceptLanguage('de, fr')).toBeUndefined();
  expect(resolveLanguage({ uiLocales: 'fr pt-BR', cookie: 'en', acceptLanguage: 'en' })).toBe('pt-BR');
  expect(resolveLanguage({ cookie: 'pt-BR', acceptLanguage: 'en' })).toBe('pt-BR');
  expect(resolveLanguage({ cookie: 'xx', acceptLanguage: 'fr' })).toBe('en');
});

test('the language switch returns only to a path of the same site', () => {
  const site = 'http://localhost:4000';
  expect(sameSitePath('/interaction/abc?x=1', site)).toBe('/interaction/abc?x=1');
  expect(sameSitePath('//evil.example/path', site)).toBe('/');
  expect(sameSitePath('/\\evil.example', site)).toBe('/');
  expect(sameSitePath('https://evil.example/', site)).toBe('/');
  expect(sameSitePath(undefined, site)).toBe('/');
});

function rawMessage(catalogues: typeof idpCatalogues, language: 'en' | 'pt-BR', key: string): string {
  return catalogues.raw(language, key);
}

function variablesOf(message: string, language: string): string[] {
  const names: string[] = [];
  const walk = (elements: ReturnType<IntlMessageFormat['getAst']>) => {
    for (const element of elements) {
      if ('value' in element && typeof element.value === 'string' && element.type !== 0)
        names.push(element.value);
      if ('options' in element) {
        for (const option of Object.values(element.options)) walk(option.value);
      }
    }
  };
  walk(new IntlMessageFormat(message, language).getAst());
  return names;
}
