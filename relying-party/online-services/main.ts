import { ConfigError } from '../../shared/config/load.ts';
import { exitOnSignals } from '../../shared/http/shutdown.ts';
import { startOnlineServices } from './server.ts';

// Online Services' process: the Customer Portal and the Administration Center together.
try {
  const services = await startOnlineServices();
  exitOnSignals(services, services.portal.app.log);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
