import { enableCompileCache } from 'node:module';

// Most of a start is compiling modules (and stripping their types): Node keeps
// what it compiled, so every start after the first skips that. It must be on
// before the rest is loaded, hence the dynamic imports.
enableCompileCache();
const [{ ConfigError }, { exitOnSignals }, { startIdp }] = await Promise.all([
  import('../shared/config/load.ts'),
  import('../shared/http/shutdown.ts'),
  import('./server.ts'),
]);

try {
  const idp = await startIdp();
  exitOnSignals(idp, idp.app.log);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
