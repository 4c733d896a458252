import { Eta } from 'eta';
import { escapeHtml } from '../../../shared/http/escape.ts';

/**
 * The Center's template engine. `strong` lets a catalogue sentence carry a
 * highlighted value: the value is escaped here and the sentence printed raw
 * (`<%~`), so words and markup never mix in a catalogue.
 */
export function createRenderer(viewsDir: string) {
  const escapeText = (text: unknown) => escapeHtml(String(text));
  const eta = new Eta({ views: viewsDir, cache: true, autoEscape: true, escapeFunction: escapeText });
  return {
    eta,
    defaults: {
      strong: (text: unknown) => `<strong>${escapeText(text)}</strong>`,
      escape: escapeText,
    },
  };
}
