import { commandFlags } from './command';

const usage =
  'npm run integrator -- --create <name> | --list | --rotate <key id> --integrator <id> [--overlap <seconds>] | --revoke <key id> --integrator <id>';

/** `npm run integrator`: what the admin API's /v1/admin/integrators does, from the operator's shell. */
const values = commandFlags(usage, {
  create: { type: 'string' },
  list: { type: 'boolean', default: false },
  rotate: { type: 'string' },
  revoke: { type: 'string' },
  integrator: { type: 'string' },
  overlap: { type: 'string', default: '86400' },
});
const chosen = [values.create !== undefined, values.list, values.rotate !== undefined, values.revoke !== undefined].filter(Boolean);
const overlapSeconds = Number(values.overlap);
const fail = (message: string): never => {
  process.stderr.write(`${message}\nusage: ${usage}\n`);
  process.exit(2);
};
if (chosen.length !== 1) fail('Choose one of --create, --list, --rotate, --revoke.');
if ((values.rotate || values.revoke) && !values.integrator) fail('--rotate and --revoke need --integrator <id>.');
if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > 30 * 86400)
  fail('--overlap: whole seconds from 0 to 2592000.');
if (values.create !== undefined && (values.create.trim() === '' || values.create.length > 200))
  fail('--create: a name of 1 to 200 characters.');

// The app is loaded once the flags are good: --help and a usage error answer without loading it.
const [
  { createIntegratorWithKey, listApiKeys, listIntegrators, revokeApiKey, rotateApiKey },
  { newApiKey, newIntegratorId },
  { openNodeResources },
  { keyView },
] = await Promise.all([
  import('../db/integrators'),
  import('../http/api-keys'),
  import('../node-resources'),
  import('../routes/admin/integrators/schema'),
]);
const { resources, database } = await openNodeResources({ logToStderr: true });
const { db, clock } = resources;
const now = clock.now();
const shownOnce = (key: string) => `  key: ${key}\n  (shown only now: give it to the integrator; it is stored as a hash)\n`;
let exitCode = 0;
if (values.create !== undefined) {
  const id = newIntegratorId();
  const { key, ...stored } = newApiKey();
  await createIntegratorWithKey(db, { id, name: values.create.trim(), key: stored, now });
  process.stdout.write(`integrator ${id} "${values.create.trim()}" created, key ${stored.id}\n${shownOnce(key)}`);
} else if (values.list) {
  const integrators = await listIntegrators(db);
  const keys = await listApiKeys(
    db,
    integrators.map((i) => i.id),
  );
  if (integrators.length === 0) process.stdout.write('no integrators yet (npm run integrator -- --create <name>)\n');
  for (const integrator of integrators) {
    process.stdout.write(`${integrator.id} "${integrator.name}" since ${integrator.created_at.toISOString()}\n`);
    for (const key of keys.filter((k) => k.integrator_id === integrator.id).map((k) => keyView(k, now))) {
      const until = key.expiresAt ? ` until ${key.expiresAt}` : '';
      process.stdout.write(`  ${key.id} ${key.prefix}… ${key.state}${until}, last used ${key.lastUsedAt ?? 'never'}\n`);
    }
  }
} else if (values.rotate !== undefined) {
  const { key, ...stored } = newApiKey();
  const oldExpiresAt = new Date(now.getTime() + overlapSeconds * 1000);
  const rotated = await rotateApiKey(db, { integratorId: values.integrator!, keyId: values.rotate, key: stored, now, oldExpiresAt });
  if (!rotated) {
    process.stderr.write(`integrator ${values.integrator} has no working key ${values.rotate}\n`);
    exitCode = 1;
  } else {
    process.stdout.write(`key ${stored.id} made; ${rotated.id} works until ${rotated.expires_at!.toISOString()}\n${shownOnce(key)}`);
  }
} else if (values.revoke !== undefined) {
  if (await revokeApiKey(db, { integratorId: values.integrator!, keyId: values.revoke, now })) {
    process.stdout.write(`key ${values.revoke} revoked\n`);
  } else {
    process.stderr.write(`integrator ${values.integrator} has no key ${values.revoke}\n`);
    exitCode = 1;
  }
}
await database.close();
process.exit(exitCode);
