import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { grantRole } from '../kit/roles/repository.ts';
import { kitDatabase } from '../kit/tables.ts';
import { UNCLAIMED_ISSUER } from './individuals/repository.ts';
import { insertJoinRequest, insertOrganization, recordAudit } from './organizations/repository.ts';
import type { CenterTables } from './tables.ts';

type DemoPerson = {
  name: string;
  email: string;
  location: number | null;
  roles: [string, 'org' | 'location'][];
};

/**
 * The README's walk: Northwind Partners (CustomerSource's demo partner) with two
 * locations, a Global administrator who is the Primary Program Contact, a
 * Location administrator, a Technical contact and someone waiting to join. The
 * people wait unclaimed: the first Passport signed in with a demo e-mail is that person.
 */
export const DEMO_PEOPLE: DemoPerson[] = [
  {
    name: 'Pat Partner',
    email: 'pat@northwind.example',
    location: 0,
    roles: [
      ['global_admin', 'org'],
      ['primary_contact', 'org'],
    ],
  },
  {
    name: 'Ana Souza',
    email: 'ana@northwind.example',
    location: 0,
    roles: [
      ['location_admin', 'location'],
      ['billing_contact', 'org'],
    ],
  },
  { name: 'Kim Tech', email: 'kim@northwind.example', location: 1, roles: [['technical_contact', 'org']] },
  { name: 'Jo Newcomer', email: 'jo@northwind.example', location: null, roles: [] },
];

export async function seedDemoData(db: Kysely<CenterTables>) {
  const existing = await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  if (existing) return;
  await db.transaction().execute(async (tx) => {
    const organization = await insertOrganization(tx, {
      name: 'Northwind Partners',
      address: 'Avenida Paulista 1000, São Paulo, Brazil',
      locations: ['São Paulo', 'Seattle'],
    });
    const ids: string[] = [];
    for (const person of DEMO_PEOPLE) {
      const id = randomUUID();
      ids.push(id);
      const location = person.location === null ? null : organization.locations[person.location]!.id;
      await tx
        .insertInto('individuals')
        .values({
          id,
          issuer: UNCLAIMED_ISSUER,
          subject: `unclaimed:${person.email}`,
          name: person.name,
          email: person.email,
          phone: '+55 11 5555-0100',
          country: 'BR',
          language: 'en',
          organization_id: location ? organization.id : null,
          location_id: location,
          created_at: Date.now(),
        })
        .execute();
      for (const [roleKey, where] of person.roles) {
        await grantRole(kitDatabase<CenterTables>(tx), {
          memberId: id,
          organizationId: organization.id,
          roleKey,
          scope: where === 'location' ? (location ?? '') : '',
          grantedBy: ids[0]!,
        });
      }
    }
    await recordAudit(tx, {
      organizationId: organization.id,
      actorId: ids[0]!,
      action: 'enrolled',
      targetId: ids[0]!,
      detail: organization.name,
    });
    await insertJoinRequest(tx, {
      individualId: ids[3]!,
      organizationId: organization.id,
      locationId: organization.locations[1]!.id,
    });
  });
}
