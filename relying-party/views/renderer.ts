import path from 'node:path';
import { Eta } from 'eta';

/** One template engine for the extranet's pages. */
export function createRenderer() {
  const eta = new Eta({ views: path.join(import.meta.dirname), cache: true, autoEscape: true });
  return { eta, defaults: { site: { name: 'CustomerSource' } } };
}
