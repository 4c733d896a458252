import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { type KitVisitor, visitorOf } from '../kit/visitor.ts';
import { claimDemoIndividual, findIndividual } from './individuals/repository.ts';
import type { CenterTables, IndividualTable } from './tables.ts';

/** A signed-in Passport and, once the profile is completed, the individual the Center knows by it. */
export type CenterVisitor = KitVisitor & { individual: IndividualTable | undefined };

export const currentVisitor = (request: FastifyRequest) => visitorOf<CenterVisitor>(request);

export async function loadVisitor(db: Kysely<CenterTables>, visitor: KitVisitor): Promise<CenterVisitor> {
  let individual = await findIndividual(db, visitor.identity);
  if (!individual && visitor.email && (await claimDemoIndividual(db, visitor.identity, visitor.email))) {
    individual = await findIndividual(db, visitor.identity);
  }
  return { ...visitor, individual };
}
