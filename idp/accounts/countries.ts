// Every service asks for a country the same way: the list is shared.
export { COUNTRY_CODE_LIST, COUNTRY_CODES } from '../../shared/i18n/country-codes.ts';
