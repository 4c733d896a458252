import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { BotCheck } from '../security/botcheck.ts';

export type BotCheckRoutesOptions = {
  botCheck: BotCheck;
  /** Where pages load the widget script from; its stylesheet and worker sit beside it. */
  widgetPath?: string;
};

type WidgetAsset = { path: string; contentType: string; body: Buffer; etag: string };

const DEFAULT_WIDGET_PATH = '/assets/altcha.js';
// The asset URLs carry no version, so a package upgrade must reach browsers
// within days; the ETag keeps revalidation cheap.
const ASSET_CACHE_CONTROL = 'public, max-age=604800';
const JAVASCRIPT = 'text/javascript; charset=utf-8';

/**
 * The bot check's HTTP side: the challenge the widget fetches, and the widget
 * itself, served from our origin so it works offline and under
 * `script-src 'self'`.
 *
 * We serve altcha's "external" build: the default build injects a <style>
 * element (which `style-src` would have to allow) and starts its workers from
 * blob: URLs (which `worker-src` would have to allow). The external build does
 * neither, so its stylesheet and its SHA worker are served as files of their
 * own, and the script registers the worker for the algorithm our challenges use.
 * Pages need `<link rel="stylesheet" href="/assets/altcha.css">` beside the script.
 */
export async function botCheckRoutes(app: FastifyInstance, options: BotCheckRoutesOptions) {
  const { botCheck } = options;
  const widgetPath = options.widgetPath ?? DEFAULT_WIDGET_PATH;
  const assets = await loadWidgetAssets(widgetPath);

  app.get('/botcheck/challenge', async (_request, reply) => {
    // Every challenge is good for one submission: no cache may hand it out twice.
    reply.header('cache-control', 'no-store');
    return botCheck.challenge();
  });

  for (const asset of assets) {
    app.get(asset.path, async (request, reply) => {
      reply.header('cache-control', ASSET_CACHE_CONTROL).header('etag', asset.etag);
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.type(asset.contentType).send(asset.body);
    });
  }
}

/** Reads the widget files once, at start, from the installed `altcha` package. */
async function loadWidgetAssets(widgetPath: string): Promise<WidgetAsset[]> {
  if (!widgetPath.startsWith('/') || !widgetPath.endsWith('.js')) {
    throw new Error(`The widget path must be an absolute URL path ending in .js, got ${widgetPath}.`);
  }
  const stylesheetPath = widgetPath.replace(/\.js$/, '.css');
  const workerPath = widgetPath.replace(/\.js$/, '-sha-worker.js');
  // The widget words itself in the page's <html lang>; English is built in, Portuguese registers here.
  const portuguesePath = widgetPath.replace(/\.js$/, '-pt-br.js');

  const externalBuild = new URL(import.meta.resolve('altcha/external'));
  const [widget, stylesheet, worker, portuguese] = await Promise.all([
    readFile(fileURLToPath(new URL('altcha.min.js', externalBuild))),
    readFile(fileURLToPath(import.meta.resolve('altcha/altcha.css'))),
    readFile(fileURLToPath(import.meta.resolve('altcha/workers/sha'))),
    readFile(fileURLToPath(import.meta.resolve('altcha/i18n/pt-br'))),
  ]);

  return [
    asset(widgetPath, JAVASCRIPT, Buffer.concat([widget, Buffer.from(registerWorkers(workerPath))])),
    asset(stylesheetPath, 'text/css; charset=utf-8', stylesheet),
    asset(workerPath, JAVASCRIPT, worker),
    asset(portuguesePath, JAVASCRIPT, portuguese),
  ];
}

/**
 * Appended to the widget module: the external build knows no algorithm until
 * told which worker solves it. The worker URL is relative to the script, so it
 * holds under any route prefix.
 */
function registerWorkers(workerPath: string): string {
  const workerFile = JSON.stringify(`./${workerPath.slice(workerPath.lastIndexOf('/') + 1)}`);
  return `
for (const algorithm of ['SHA-256', 'SHA-384', 'SHA-512']) {
  globalThis.$altcha.algorithms.set(algorithm, () => new Worker(new URL(${workerFile}, import.meta.url)));
}
`;
}

function asset(path: string, contentType: string, body: Buffer): WidgetAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  return { path, contentType, body, etag };
}
