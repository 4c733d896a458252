/** The key an address is looked up by: the same mailbox however it is typed. */
export function emailKey(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/** Answers are remembered loosely: case, spacing and Unicode forms do not matter. */
export function normalizeAnswer(answer: string): string {
  return answer.normalize('NFKC').trim().toLocaleLowerCase('und').replace(/\s+/gu, ' ');
}
