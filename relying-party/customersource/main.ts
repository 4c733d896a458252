import { enableCompileCache } from 'node:module';

// Most of a start is compiling modules (and stripping their types): Node keeps
// what it compiled, so every start after the first skips that. It must be on
// before the rest is loaded, hence the dynamic imports.
enableCompileCache();
const [{ runSite }, { customerSource }] = await Promise.all([import('../kit/site.ts'), import('./site.ts')]);

await runSite(customerSource);
