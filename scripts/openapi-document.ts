import { createTestApp } from '../testkit/app';

/** Prints the OpenAPI document the app serves at /openapi.json, for `redocly lint` in CI. */
const t = await createTestApp();
try {
  const res = await t.call('GET', '/openapi.json');
  process.stdout.write(`${JSON.stringify(await res.json(), null, 2)}\n`);
} finally {
  await t.close();
}
