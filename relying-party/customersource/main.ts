import { runSite } from '../kit/site.ts';
import { customerSource } from './site.ts';

await runSite(customerSource);
