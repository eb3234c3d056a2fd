import type { Context } from 'hono';
import { ProblemError, problems } from '../errors';
import { formTypes, mediaTypeOf } from './body-guards';

/**
 * The fields of a form post (repeated names as arrays). A body that is not the form its
 * Content-Type claims (a multipart body without its boundary, say) is the client's mistake:
 * a 400, not an unhandled parser error; a body that is no form at all, a 415.
 */
export async function readForm(c: Context): Promise<Record<string, string | File | (string | File)[]>> {
  // Anything else (JSON, say) would parse as an empty form and reset every field to its default.
  if (!formTypes.has(mediaTypeOf(c))) throw problems.unsupportedMediaType('application/x-www-form-urlencoded or multipart/form-data');
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
