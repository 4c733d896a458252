import { ConfigError } from '../shared/config/load.ts';
import { startRelyingParty } from './server.ts';

try {
  const extranet = await startRelyingParty();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void extranet.close().then(() => process.exit(0)));
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
