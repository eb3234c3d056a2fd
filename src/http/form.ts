import type { Context } from 'hono';
import { ProblemError } from '../errors';

/**
 * The fields of a form post (repeated names as arrays). A body that is not the form its
 * Content-Type claims (a multipart body without its boundary, say) is the client's mistake:
 * a 400, not an unhandled parser error.
 */
export async function readForm(c: Context): Promise<Record<string, string | File | (string | File)[]>> {
  try {
    return await c.req.parseBody({ all: true });
  } catch {
    throw new ProblemError({
      type: 'malformed-form',
      title: 'Malformed form',
      status: 400,
      detail: `The body does not parse as ${(c.req.header('content-type') ?? '').split(';')[0]}.`,
    });
  }
}
