import { ConfigError } from '../shared/config/load.ts';
import { exitOnSignals } from '../shared/http/shutdown.ts';
import { startIdp } from './server.ts';

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
