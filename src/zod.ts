/**
 * zod, extended with `.openapi()` metadata. Zod 4 attaches methods per instance, so a
 * schema gets `.openapi()` only if the extension loaded before it was built: every schema
 * that a route may document imports `z` from here.
 */
export { z } from '@hono/zod-openapi';
