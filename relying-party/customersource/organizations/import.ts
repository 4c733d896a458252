import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { DomainError } from '../../../shared/http/errors.ts';
import { emailField, textField } from '../../../shared/http/form.ts';
import type { RelyingPartyDatabase, RelyingPartyTables } from '../database.ts';
import { planEndsAtFromLastDay, SERVICE_PLANS } from './plan.ts';
import { insertProfile, profileWithEmail } from './repository.ts';

/** Every bad row of a file, one line each; nothing of the file was written. */
export class ImportRefused extends DomainError {
  override name = 'ImportRefused';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(400, 'Import refused', problems.join('\n'));
    this.problems = problems;
  }
}

const yesNo = z
  .enum(['', 'yes', 'no', 'true', 'false', '1', '0'], { error: 'must be yes or no' })
  .transform((value) => ['yes', 'true', '1'].includes(value));

const organizationRow = z
  .object({
    name: textField('name', { max: 100, min: 1 }),
    kind: z.enum(['customer', 'partner', 'staff'], { error: 'must be customer, partner or staff' }),
    plan: z.enum(['', ...SERVICE_PLANS], { error: `must be empty or one of ${SERVICE_PLANS.join(', ')}` }),
    plan_last_day: z.union([z.literal(''), z.iso.date({ error: 'must be a date as YYYY-MM-DD' })]),
  })
  .refine((row) => (row.plan === '') === (row.plan_last_day === ''), {
    path: ['plan_last_day'],
    message: 'a plan needs its last day, and a last day needs a plan',
  });

const profileRow = z.object({
  organization: textField('organization', { max: 100, min: 1 }),
  name: textField('name', { max: 100, min: 1 }),
  email: emailField('email'),
  administrator: yesNo,
});

export const ORGANIZATION_COLUMNS = Object.keys(organizationRow.shape) as string[];
export const PROFILE_COLUMNS = Object.keys(profileRow.shape);

type Row = { line: number; fields: Record<string, string> };

/** The file's records by line; a file that is not CSV, or has other columns, is refused whole. */
function readRows(text: string, columns: string[]): Row[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true, info: true });
  } catch (error) {
    throw new ImportRefused([`not a CSV file: ${(error as Error).message}`]);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  if (records.length === 0)
    throw new ImportRefused([`no rows: the first line names the columns ${columns.join(',')}`]);
  const missing = columns.filter((column) => !header.includes(column));
  const unknown = header.filter((column) => !columns.includes(column));
  if (missing.length > 0 || unknown.length > 0) {
    throw new ImportRefused([
      `line 1: the columns must be ${columns.join(',')}${missing.length ? ` (missing ${missing.join(', ')})` : ''}${unknown.length ? ` (unknown ${unknown.join(', ')})` : ''}`,
    ]);
  }
  return records.map(({ record, info }) => ({ line: info.lines, fields: record }));
}

function problemsOf(line: number, error: z.ZodError): string[] {
  return error.issues.map((issue) => `line ${line}: ${issue.path.join('.') || 'row'}: ${issue.message}`);
}

type Tx = Transaction<RelyingPartyTables>;

async function organizationsNamed(tx: Tx, name: string) {
  return tx
    .selectFrom('organizations')
    .select('id')
    .where(sql<boolean>`lower(name) = ${name.toLowerCase()}`)
    .execute();
}

/**
 * Organizations from CSV (name,kind,plan,plan_last_day), all or none: one
 * transaction, and every bad row named before anything is written. A name
 * already taken is a bad row, so importing a file twice adds nothing twice.
 */
export async function importOrganizations(db: RelyingPartyDatabase, csv: string, now = Date.now()) {
  const rows = readRows(csv, ORGANIZATION_COLUMNS);
  return db.transaction().execute(async (tx) => {
    const problems: string[] = [];
    const seen = new Set<string>();
    const valid: z.infer<typeof organizationRow>[] = [];
    for (const row of rows) {
      const parsed = organizationRow.safeParse(row.fields);
      if (!parsed.success) {
        problems.push(...problemsOf(row.line, parsed.error));
        continue;
      }
      const key = parsed.data.name.toLowerCase();
      if (seen.has(key) || (await organizationsNamed(tx, parsed.data.name)).length > 0) {
        problems.push(`line ${row.line}: name: an organization named "${parsed.data.name}" already exists`);
        continue;
      }
      seen.add(key);
      valid.push(parsed.data);
    }
    if (problems.length > 0) throw new ImportRefused(problems);
    for (const organization of valid) {
      await tx
        .insertInto('organizations')
        .values({
          id: randomUUID(),
          name: organization.name,
          kind: organization.kind,
          plan: organization.plan === '' ? null : organization.plan,
          plan_ends_at:
            organization.plan_last_day === '' ? null : planEndsAtFromLastDay(organization.plan_last_day),
          created_at: now,
        })
        .execute();
    }
    return valid.length;
  });
}

/**
 * Profiles from CSV (organization,name,email,administrator) into organizations
 * that exist, all or none. An address already active in the organization is a
 * bad row: a profile is found by its address when someone asks to be associated.
 */
export async function importProfiles(db: RelyingPartyDatabase, csv: string, now = Date.now()) {
  const rows = readRows(csv, PROFILE_COLUMNS);
  return db.transaction().execute(async (tx) => {
    const problems: string[] = [];
    const seen = new Set<string>();
    const valid: (z.infer<typeof profileRow> & { organizationId: string })[] = [];
    for (const row of rows) {
      const parsed = profileRow.safeParse(row.fields);
      if (!parsed.success) {
        problems.push(...problemsOf(row.line, parsed.error));
        continue;
      }
      const profile = parsed.data;
      const organizations = await organizationsNamed(tx, profile.organization);
      if (organizations.length !== 1) {
        problems.push(
          `line ${row.line}: organization: ${organizations.length === 0 ? 'no' : 'more than one'} organization is named "${profile.organization}"`,
        );
        continue;
      }
      const organizationId = organizations[0]!.id;
      const key = `${organizationId} ${profile.email.toLowerCase()}`;
      if (seen.has(key) || (await profileWithEmail(tx, organizationId, profile.email))) {
        problems.push(
          `line ${row.line}: email: ${profile.email} already has a profile in "${profile.organization}"`,
        );
        continue;
      }
      seen.add(key);
      valid.push({ ...profile, organizationId });
    }
    if (problems.length > 0) throw new ImportRefused(problems);
    for (const profile of valid) {
      await insertProfile(
        tx,
        {
          organizationId: profile.organizationId,
          name: profile.name,
          email: profile.email,
          isAdmin: profile.administrator,
        },
        now,
      );
    }
    return valid.length;
  });
}
