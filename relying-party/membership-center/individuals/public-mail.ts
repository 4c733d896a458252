import publicMailDomains from 'email-providers/all.json' with { type: 'json' };

const PUBLIC = new Set<string>(publicMailDomains);

/**
 * Seed 003 recommends a company address: one at a free or public mail service
 * (a maintained list, `email-providers`) gets the recommendation.
 */
export function atPublicMailDomain(email: string | null | undefined): boolean {
  const domain = email?.split('@').pop()?.trim().toLowerCase();
  return domain !== undefined && domain !== '' && PUBLIC.has(domain);
}
