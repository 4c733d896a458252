import { randomBytes } from 'node:crypto';
import { solveBotCheck } from './botcheck.ts';
import { HttpSession } from './http-session.ts';
import type { TestIdp } from './idp.ts';
import { firstLink } from './mailbox.ts';

export type TestPerson = { email: string; password: string; answer: string };

export function newPerson(): TestPerson {
  const tag = randomBytes(5).toString('hex');
  return { email: `person.${tag}@example.test`, password: `Correct-Horse-${tag}`, answer: 'Lisbon' };
}

export async function signUpForm(idp: TestIdp, person: TestPerson): Promise<Record<string, string>> {
  return {
    email: person.email,
    password: person.password,
    password2: person.password,
    question: 'Name of first pet',
    answer: person.answer,
    first_name: 'Ada',
    last_name: 'Lovelace',
    country: 'GB',
    postal_code: 'SW1A 1AA',
    altcha: await solveBotCheck(idp.issuer),
  };
}

/** Signs a new person up over HTTP and activates the account through the mailed link. */
export async function registerPerson(idp: TestIdp, person = newPerson()): Promise<TestPerson> {
  const session = new HttpSession();
  const sent = await session.request(`${idp.issuer}/signup`, { form: await signUpForm(idp, person) });
  if (sent.status !== 200) throw new Error(`sign-up answered ${sent.status}`);
  const mail = await idp.mailbox.waitFor(person.email, { subject: /Activate/ });
  const link = firstLink(mail, `${idp.issuer}/activate/`);
  const activated = await session.request(link, { method: 'POST' });
  if (activated.status !== 200) throw new Error(`activation answered ${activated.status}`);
  return person;
}
