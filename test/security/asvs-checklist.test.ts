import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

// SECURITY.md is only worth its rows while each points at a test that exists:
// a renamed or deleted test must show up here, not in an audit.

const ROOT = path.join(import.meta.dirname, '..', '..');
const checklist = readFileSync(path.join(ROOT, 'SECURITY.md'), 'utf8');

// Every requirement of ASVS 5.0 at level 1 or 2 in V6, V7, V8 and V10.
const REQUIREMENTS = [
  ...['6.1.1', '6.1.2', '6.1.3'],
  ...Array.from({ length: 12 }, (_, i) => `6.2.${i + 1}`),
  ...['6.3.1', '6.3.2', '6.3.3', '6.3.4', '6.4.1', '6.4.2', '6.4.3', '6.4.4'],
  ...['6.5.1', '6.5.2', '6.5.3', '6.5.4', '6.5.5', '6.6.1', '6.6.2', '6.6.3'],
  ...['6.8.1', '6.8.2', '6.8.3', '6.8.4'],
  ...['7.1.1', '7.1.2', '7.1.3', '7.2.1', '7.2.2', '7.2.3', '7.2.4', '7.3.1', '7.3.2'],
  ...['7.4.1', '7.4.2', '7.4.3', '7.4.4', '7.4.5', '7.5.1', '7.5.2', '7.6.1', '7.6.2'],
  ...['8.1.1', '8.1.2', '8.2.1', '8.2.2', '8.2.3', '8.3.1', '8.4.1'],
  ...['10.1.1', '10.1.2', '10.2.1', '10.2.2', '10.3.1', '10.3.2', '10.3.3', '10.3.4'],
  ...Array.from({ length: 11 }, (_, i) => `10.4.${i + 1}`),
  ...['10.5.1', '10.5.2', '10.5.3', '10.5.4', '10.5.5', '10.6.1', '10.6.2', '10.7.1', '10.7.2', '10.7.3'],
];

const rows = checklist
  .split('\n')
  .filter((line) => /^\|\s*\d+\.\d+\.\d+\s*\|/.test(line))
  .map((line) => {
    const [, id, , status, proof] = line.split('|').map((cell) => cell.trim());
    return { id: id!, status: status!, proof: proof! };
  });

const proofs = [...checklist.matchAll(/`([\w./-]+\.test\.ts)` › `([^`]+)`/g)].map(([, file, title]) => ({
  file: file!,
  title: title!,
}));

/** Whether a test (or describe) with exactly this title is written in the file. */
function hasTest(source: string, title: string): boolean {
  const quoted = [`'${title.replaceAll("'", "\\'")}'`, `"${title.replaceAll('"', '\\"')}"`, `\`${title}\``];
  return quoted.some((literal) => new RegExp(`\\(\\s*${escapeRegExp(literal)}\\s*,`).test(source));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('SECURITY.md, the ASVS checklist', () => {
  test('has one row per requirement, each Met, Not met or Not applicable; a met one names a test, the documentation above, or what is absent', () => {
    expect(rows.map((row) => row.id)).toEqual(REQUIREMENTS);
    for (const row of rows) {
      expect(['Met', 'Not met', 'Not applicable'], row.id).toContain(row.status);
      expect(row.proof, row.id).not.toBe('');
      if (row.status === 'Met') expect(row.proof, row.id).toMatch(/\.test\.ts` › `|above|By absence/);
    }
  });

  test('every test it names exists, under that exact title', () => {
    expect(proofs.length).toBeGreaterThan(100);
    const missing = proofs.filter(({ file, title }) => {
      const full = path.join(ROOT, file);
      return !existsSync(full) || !hasTest(readFileSync(full, 'utf8'), title);
    });
    expect(missing).toEqual([]);
  });
});
