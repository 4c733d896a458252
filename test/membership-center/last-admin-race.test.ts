import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { membershipCenter } from '../../relying-party/membership-center/site.ts';
import { startIdpAndSites } from '../helpers/extranet-flow.ts';
import {
  centerDb,
  enrol,
  individualOf,
  joinAndApprove,
  locationsOf,
  newIndividual,
} from '../helpers/membership-center.ts';

/**
 * Two Global administrators demoting (or removing) each other at the same
 * moment on PostgreSQL: one wins, the other is refused, and the organization
 * always keeps one. Two administrators moving the Primary at once leave exactly one.
 */
describe('the last Global administrator and the one Primary, under parallel requests on PostgreSQL', () => {
  let network: Awaited<ReturnType<typeof startIdpAndSites<'center'>>>;
  const center = () => network.sites.center;

  beforeAll(async () => {
    network = await startIdpAndSites({ sites: { center: { site: membershipCenter } }, store: 'postgres' });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  async function twoGlobalAdmins() {
    const first = await newIndividual(network.idp, center());
    await enrol(first);
    const firstIndividual = await individualOf(center(), first);
    const organizationId = firstIndividual.organization_id!;
    const [location] = await locationsOf(center(), organizationId);
    const second = await newIndividual(network.idp, center());
    const secondId = (await joinAndApprove(center(), first, second, organizationId, location!.id)).id;
    expect(
      (
        await first.post(`/organization/contacts/${secondId}/roles`, {
          role: 'global_admin',
          change: 'grant',
        })
      ).status,
    ).toBe(303);
    return { first, firstId: firstIndividual.id, second, secondId, organizationId, locationId: location!.id };
  }

  async function globalAdmins(organizationId: string) {
    return centerDb(center())
      .selectFrom('member_roles')
      .select('member_id')
      .where('organization_id', '=', organizationId)
      .where('role_key', '=', 'global_admin')
      .execute();
  }

  test('demoting each other at once: exactly one is refused, one Global administrator stays', async () => {
    for (let round = 0; round < 3; round++) {
      const { first, firstId, second, secondId, organizationId } = await twoGlobalAdmins();
      const demote = { role: 'global_admin', change: 'revoke' };
      const answers = await Promise.all([
        first.post(`/organization/contacts/${secondId}/roles`, demote),
        second.post(`/organization/contacts/${firstId}/roles`, demote),
      ]);
      const statuses = answers.map((answer) => answer.status).sort();
      // The loser is refused either as the last one (409) or, demoted a moment ago, as no longer allowed (403).
      expect(statuses[1] === 409 || statuses[1] === 403, `round ${round}: ${statuses}`).toBe(true);
      expect(statuses[0], `round ${round}`).toBe(303);
      expect(await globalAdmins(organizationId)).toHaveLength(1);
    }
  });

  test('each demoting themself at once: one steps down, one stays', async () => {
    const { first, firstId, second, secondId, organizationId } = await twoGlobalAdmins();
    const demote = { role: 'global_admin', change: 'revoke' };
    const answers = await Promise.all([
      first.post(`/organization/contacts/${firstId}/roles`, demote),
      second.post(`/organization/contacts/${secondId}/roles`, demote),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 409]);
    expect(await globalAdmins(organizationId)).toHaveLength(1);
  });

  test('two administrators giving the Primary to two people at once: exactly one Primary', async () => {
    const { first, second, firstId, secondId, organizationId } = await twoGlobalAdmins();
    const grant = { role: 'primary_contact', change: 'grant' };
    const answers = await Promise.all([
      first.post(`/organization/contacts/${secondId}/roles`, grant),
      second.post(`/organization/contacts/${firstId}/roles`, grant),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([303, 303]);
    const primaries = await centerDb(center())
      .selectFrom('member_roles')
      .select('member_id')
      .where('organization_id', '=', organizationId)
      .where('role_key', '=', 'primary_contact')
      .execute();
    expect(primaries).toHaveLength(1);
  });
});
