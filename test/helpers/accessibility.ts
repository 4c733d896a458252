import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

// The rules a public service is held to: WCAG 2.0 and 2.1, levels A and AA.
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe on the page as it stands and fails with every violation, named by
 * rule and element, so one failure says what to fix and where.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  if (results.violations.length === 0) return;
  const found = results.violations.flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `- ${violation.id} (${violation.impact}): ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ')}`,
    ),
  );
  throw new Error(`${name} (${page.url()}) is not accessible:\n${found.join('\n')}`);
}

/**
 * axe needs JavaScript to run, so a page as a browser without JavaScript shows
 * it (its <noscript> parts in, its scripts and widgets out) is laid into
 * `checker`, a page with JavaScript on the same origin, and checked there.
 */
export async function expectAccessibleWithoutScript(noScript: Page, checker: Page, name: string) {
  const html = (await noScript.content())
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<altcha-widget[\s\S]*?<\/altcha-widget>/g, '')
    .replaceAll('<noscript>', '<div>')
    .replaceAll('</noscript>', '</div>');
  await checker.goto(new URL('/', noScript.url()).href);
  await checker.setContent(html, { waitUntil: 'load' });
  await expectAccessible(checker, `${name} (without JavaScript)`);
}
