import { DomainError } from '../../../shared/http/errors.ts';
import type { CenterDatabase, IndividualTable } from '../tables.ts';
import { type Identity, type IndividualProfile, insertIndividual, updateIndividual } from './repository.ts';

export function createIndividualService(db: CenterDatabase) {
  return {
    /** A Passport the Center did not know becomes an individual: the first Passport used is who they are. */
    async complete(identity: Identity, profile: IndividualProfile, language: string) {
      const individual = await insertIndividual(db, identity, { ...profile, language });
      if (!individual) throw new DomainError(409, 'profile_exists');
      return individual;
    },

    async update(individual: IndividualTable, profile: IndividualProfile) {
      await updateIndividual(db, individual.id, profile);
    },
  };
}
