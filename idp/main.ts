import { ConfigError } from '../shared/config/load.ts';
import { startIdp } from './server.ts';

try {
  const idp = await startIdp();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void idp.close().then(() => process.exit(0)));
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
