import { bootNode } from '../boot';

/** `npm run migrate`: bring the configured database to the latest schema, then exit. */
const { deps, database } = await bootNode();
deps.log.info('migrations complete');
await database.close();
process.stdout.write(`Database (${database.kind}) is at the latest migration.\n`);
