import { runSite } from '../kit/site.ts';
import { membershipCenter } from './site.ts';

await runSite(membershipCenter);
