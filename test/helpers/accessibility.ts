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
