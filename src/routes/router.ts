import { OpenAPIHono, z } from '@hono/zod-openapi';
import { problems, zodFieldErrors } from '../errors';
import { unstorableStringErrors } from '../unstorable-strings';

/**
 * A router whose validation failures become problem+json naming the field: 422 for a
 * body that does not match, 400 for bad query or path parameters.
 */
export function createRouter() {
  return new OpenAPIHono({
    defaultHook: (result) => {
      const status = result.target === 'json' || result.target === 'form' ? 422 : 400;
      if (!result.success) throw problems.validation(status, zodFieldErrors(result.error));
      const unstorable = unstorableStringErrors(result.data);
      if (unstorable.length > 0) throw problems.validation(status, unstorable);
    },
  });
}

export const ProblemSchema = z
  .object({
    type: z.string().url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), pointer: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'One entry per invalid field' }),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error responses a route without a request body (GET, DELETE) may give, for the OpenAPI document. */
export const readProblemResponses = {
  400: problem('Malformed request or invalid query parameters'),
  500: problem('Unexpected server error'),
};

/** ... and those of a route that takes a body: the body guards answer 413 and 415 before it runs. */
export const problemResponses = {
  ...readProblemResponses,
  413: problem('Request body too large'),
  415: problem('Body is not JSON'),
  422: problem('The body does not validate; `errors` names each field'),
};

const adminAuthProblems = {
  401: problem('Missing or wrong bearer token'),
  503: problem('The server has no ADMIN_TOKEN configured'),
};

export const adminReadProblemResponses = { ...readProblemResponses, ...adminAuthProblems };

export const adminProblemResponses = { ...problemResponses, ...adminAuthProblems };

const keyAuthProblems = {
  401: problem('Missing or wrong bearer token, or a revoked or expired API key (the title says which)'),
  429: problem('Too many requests with this API key; Retry-After says when to try again'),
  503: problem('The server has no ADMIN_TOKEN configured (answered to a token that is not an API key)'),
};

/** Routes an integrator's API key may use too (its own resources only). */
export const keyReadProblemResponses = { ...readProblemResponses, ...keyAuthProblems };

export const keyProblemResponses = { ...problemResponses, ...keyAuthProblems };

export { problem as problemResponse };

export const adminSecurity = [{ adminToken: [] as string[] }];
/** The operator's token, or an integrator's API key. */
export const keySecurity: Record<string, string[]>[] = [{ adminToken: [] }, { apiKey: [] }];

/** Operations anyone may call: no credential (a link token, where one is needed, is a parameter). */
export const publicSecurity: { [scheme: string]: string[] }[] = [];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
