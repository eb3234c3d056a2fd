import { openNodeResources } from '../node-resources';
import { commandFlags } from './command';

/** `npm run migrate`: bring the configured database to the latest schema, then exit. */
commandFlags('npm run migrate', {});
const { resources, database } = await openNodeResources({ logToStderr: true });
resources.log.info('migrations complete');
await database.close();
process.stdout.write(`Database (${database.kind}) is at the latest migration.\n`);
