import type { IntegratorCreated, KeyRotated } from '../src/routes/admin/integrators/schema';
import type { TestApp } from './app';

/** An integrator made through the admin API, with its key. */
export async function makeIntegrator(t: TestApp, name: string): Promise<{ id: string; keyId: string; key: string }> {
  const res = await t.call('POST', '/v1/admin/integrators', { name }, { admin: true });
  if (res.status !== 201) throw new Error(`integrator not created: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as IntegratorCreated;
  return { id: body.id, keyId: body.key.id, key: body.key.key };
}

export async function rotateKey(t: TestApp, integratorId: string, keyId: string, overlapSeconds: number): Promise<KeyRotated> {
  const res = await t.call('POST', `/v1/admin/integrators/${integratorId}/keys/${keyId}/rotate`, { overlapSeconds }, { admin: true });
  if (res.status !== 201) throw new Error(`key not rotated: ${res.status} ${await res.text()}`);
  return (await res.json()) as KeyRotated;
}

/** A JSON request made with an API key (or any bearer token). */
export const withKey = (t: TestApp, key: string) => (method: string, path: string, body?: unknown) =>
  t.call(method, path, body, { headers: { authorization: `Bearer ${key}` } });
