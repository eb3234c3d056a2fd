import { commandFlags } from './command';

/** `npm run migrate`: bring the configured database to the latest schema, then exit. */
commandFlags('npm run migrate', {});
// The app is loaded once the flags are good: --help and a usage error answer without loading it.
const { openNodeResources } = await import('../node-resources');
const { resources, database } = await openNodeResources({ logToStderr: true });
resources.log.info('migrations complete');
await database.close();
process.stdout.write(`Database (${database.kind}) is at the latest migration.\n`);
