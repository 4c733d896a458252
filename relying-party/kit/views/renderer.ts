import { existsSync } from 'node:fs';
import path from 'node:path';
import { Eta } from 'eta';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeText(text: unknown): string {
  return String(text).replace(/[&<>"]/g, (character) => ENTITIES[character]!);
}

/** The kit's own templates: the page shell, the error page, the error summary, a field's error. */
export const KIT_VIEWS = import.meta.dirname;

/**
 * A site's views over the kit's: a template is looked up in the site's folder
 * first, then in the kit's, so a site overrides the shell's parts by name (its
 * `masthead.eta`) and reuses the rest. Names only: a template path that climbs
 * out of both folders is refused.
 */
class LayeredEta extends Eta {
  readonly #folders: string[];
  readonly #found = new Map<string, string>();

  constructor(folders: string[]) {
    super({
      views: folders[0],
      cache: true,
      autoEscape: true,
      // Every attribute here is double-quoted, so an apostrophe in a sentence ("company's") stays one.
      escapeFunction: escapeText,
    });
    this.#folders = folders;
    this.resolvePath = (template: string) => this.#resolve(template);
  }

  #resolve(template: string): string {
    const known = this.#found.get(template);
    if (known) return known;
    const name = template.replace(/^\.?\/+/, '');
    const file = path.extname(name) ? name : `${name}.eta`;
    for (const folder of this.#folders) {
      const candidate = path.join(folder, file);
      if (path.relative(folder, candidate).startsWith('..')) continue;
      if (existsSync(candidate)) {
        this.#found.set(template, candidate);
        return candidate;
      }
    }
    throw new Error(`Could not find template: ${template}`);
  }
}

/**
 * One template engine for a site's pages. `strong` and `escape` let a catalogue
 * sentence carry a highlighted name: the value is escaped here, and the sentence
 * is printed raw (`<%~`), so words and markup never mix in a catalogue.
 */
export function createRenderer(siteViews: string) {
  const eta = new LayeredEta([siteViews, KIT_VIEWS]);
  return {
    eta,
    defaults: {
      strong: (text: unknown) => `<strong>${escapeText(text)}</strong>`,
      escape: escapeText,
    },
  };
}
