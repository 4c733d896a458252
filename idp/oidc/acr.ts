/** The two authentication levels a site can ask for with acr_values. */
export const ACR_PASSWORD = 'urn:passport:acr:password';
export const ACR_STRONG = 'urn:passport:acr:strong';
export const ACR_VALUES = [ACR_PASSWORD, ACR_STRONG];
