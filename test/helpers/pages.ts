import type { Page } from 'playwright-core';

/**
 * Waits for a page heading; when another page shows instead, fails with that
 * page's address and text, which says at once where a flow went astray.
 */
export async function expectHeading(page: Page, name: string, options: { exact?: boolean } = {}) {
  try {
    await page.getByRole('heading', { name, exact: options.exact }).waitFor({ timeout: 15_000 });
  } catch {
    const text = ((await page.locator('body').textContent()) ?? '').replace(/\s+/g, ' ').slice(0, 400);
    throw new Error(`expected "${name}" at ${page.url()}, saw: ${text}`);
  }
}
