import { ConfigError } from '../shared/config/load.ts';
import { exitOnSignals } from '../shared/http/shutdown.ts';
import { startRelyingParty } from './server.ts';

try {
  const extranet = await startRelyingParty();
  exitOnSignals(extranet, extranet.app.log);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
