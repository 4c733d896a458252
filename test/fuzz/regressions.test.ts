import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { snapshot } from './harness.ts';
import { type FuzzServices, fuzzTargets, startFuzzServices } from './targets.ts';

/**
 * What the fuzzer found, each as a plain example: the page the target's table
 * prepares, then the one body that broke it. PostgreSQL, because it refuses a
 * NUL in text where SQLite keeps it.
 */
describe('inputs the fuzzer found, on PostgreSQL', () => {
  let services: FuzzServices;
  beforeAll(async () => {
    services = await startFuzzServices({ store: 'postgres' });
  }, 120_000);
  afterAll(async () => services?.close());

  async function send(targetName: string, body: string) {
    const target = fuzzTargets(services).find((candidate) => candidate.name === targetName);
    if (!target) throw new Error(`no target ${targetName}`);
    const prepared = await target.prepare();
    const url = prepared.url.replace(
      /\{(\w+)\}/g,
      (_all, name: string) => prepared.values[`path:${name}`] ?? '',
    );
    const before = await snapshot(target.service);
    const response = await prepared.browser!.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin },
      body,
    });
    const html = await response.text();
    return { status: response.status, html, stored: before, after: await snapshot(target.service) };
  }

  // A hidden field's id went to the database as it came: PostgreSQL refuses a NUL, and that was a 500.
  test.each([
    ['passport POST /account/sites/withdraw', 'site=a%00b'],
    ['customersource POST /support/organizations/:id/administrator', 'profile=a%00b'],
  ])('%s with a NUL in the chosen id is a 400 that stores nothing', async (target, body) => {
    const { status, html, stored, after } = await send(target, body);
    expect(status).toBe(400);
    expect(html).toContain('role="alert"');
    expect(after).toEqual(stored);
  });
});
