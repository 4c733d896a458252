import { type Kysely, sql } from 'kysely';

// Issue 8: the language mails go out in, and secret questions stored by id so
// each person reads them in their own language (questions people wrote stay text).
const QUESTION_IDS: Record<string, string> = {
  "Mother's birthplace": 'mothers_birthplace',
  'Best childhood friend': 'childhood_friend',
  'Name of first pet': 'first_pet',
  'Favourite teacher': 'favourite_teacher',
  'Favourite historical person': 'historical_person',
  "Grandfather's occupation": 'grandfathers_occupation',
  'City where you were born': 'birth_city',
  'Name of your first school': 'first_school',
};

type Row = { id: string; secret_question: string; security_questions: string | null };

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('accounts')
    .addColumn('language', 'text', (column) => column.notNull().defaultTo('en'))
    .execute();
  await rewriteQuestions(db, (question) => QUESTION_IDS[question] ?? question);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const texts = Object.fromEntries(Object.entries(QUESTION_IDS).map(([text, id]) => [id, text]));
  await rewriteQuestions(db, (question) => texts[question] ?? question);
  await db.schema.alterTable('accounts').dropColumn('language').execute();
}

async function rewriteQuestions(db: Kysely<unknown>, map: (question: string) => string) {
  const { rows } = await sql<Row>`select id, secret_question, security_questions from accounts`.execute(db);
  for (const row of rows) {
    const question = map(row.secret_question);
    const security = row.security_questions
      ? JSON.stringify((JSON.parse(row.security_questions) as string[]).map(map))
      : null;
    if (question === row.secret_question && security === row.security_questions) continue;
    await sql`update accounts set secret_question = ${question}, security_questions = ${security} where id = ${row.id}`.execute(
      db,
    );
  }
}
