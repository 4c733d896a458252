import path from 'node:path';
import { Eta } from 'eta';

/**
 * One template engine for the extranet's pages. `strong` and `escape` let a
 * catalogue sentence carry a highlighted name: the value is escaped here, and the
 * sentence is printed raw (`<%~`), so words and markup never mix in a catalogue.
 */
function escapeText(text: unknown): string {
  return String(text).replace(/[&<>"]/g, (character) => ENTITIES[character]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * One template engine for the extranet's pages. `strong` and `escape` let a
 * catalogue sentence carry a highlighted name: the value is escaped here, and the
 * sentence is printed raw (`<%~`), so words and markup never mix in a catalogue.
 */

export function createRenderer() {
  const eta = new Eta({
    views: path.join(import.meta.dirname),
    cache: true,
    autoEscape: true,
    // Every attribute here is double-quoted, so an apostrophe in a sentence ("company's") stays one.
    escapeFunction: escapeText,
  });
  return {
    eta,
    defaults: {
      site: { name: 'CustomerSource' },
      strong: (text: unknown) => `<strong>${escapeText(text)}</strong>`,
      escape: escapeText,
    },
  };
}
