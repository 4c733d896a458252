import type { Page } from 'playwright-core';

// More stops than any of our pages has before its last control.
const MOST_TAB_STOPS = 60;

/** The name a person hears for the focused control: its label, else its own text. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLInputElement | null;
    if (!element || element === document.body) return '';
    const label =
      element.labels?.[0]?.textContent ?? element.getAttribute('aria-label') ?? element.textContent;
    return (label ?? '').replace(/\s+/g, ' ').trim();
  });
}

/**
 * Presses Tab, as a keyboard user does, until the control named `name` has
 * the focus; fails when the page's tab order never reaches it.
 */
export async function tabTo(page: Page, name: string): Promise<void> {
  const seen: string[] = [];
  for (let stop = 0; stop < MOST_TAB_STOPS; stop++) {
    await page.keyboard.press('Tab');
    const focused = await focusedName(page);
    if (focused === name) return;
    seen.push(focused);
  }
  throw new Error(`Tab never reached "${name}" on ${page.url()}; it went through: ${seen.join(' | ')}`);
}

/** Tabs to a field and types into it, the only way a keyboard user fills a form. */
export async function typeInto(page: Page, name: string, text: string): Promise<void> {
  await tabTo(page, name);
  await page.keyboard.type(text);
}
