import { openNodeResources } from '../node-resources';

/** `npm run migrate`: bring the configured database to the latest schema, then exit. */
const { resources, database } = await openNodeResources();
resources.log.info('migrations complete');
await database.close();
process.stdout.write(`Database (${database.kind}) is at the latest migration.\n`);
