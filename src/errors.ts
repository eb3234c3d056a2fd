import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

/** RFC 9457 problem details. `type` is a stable URI fragment users can switch on. */
export interface FieldError {
  /** Where the problem is, in the request: `events[3].country`, or a query parameter name. */
  path: string;
  /** The same place as a JSON Pointer fragment into the request body: `#/events/3/country`. */
  pointer: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

const TYPE_BASE = 'https://tracker-alerts.dev/problems/';

export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(problem: Omit<Problem, 'type'> & { type: string }, headers: Record<string, string> = {}) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemError';
    this.problem = { ...problem, type: problem.type.startsWith('http') ? problem.type : TYPE_BASE + problem.type };
    this.headers = headers;
  }
}

export const problems = {
  validation: (status: 400 | 422, errors: FieldError[], detail?: string) =>
    new ProblemError({
      type: 'validation-failed',
      title: 'Your request is not valid',
      status,
      detail: detail ?? errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      errors,
    }),
  notFound: (detail = 'There is nothing at this address.') =>
    new ProblemError({ type: 'not-found', title: 'Not found', status: 404, detail }),
  unauthorized: (detail: string) =>
    new ProblemError(
      { type: 'unauthorized', title: 'Authentication required', status: 401, detail },
      { 'WWW-Authenticate': 'Bearer realm="tracker-alerts"' },
    ),
  metricsDisabled: () =>
    new ProblemError({
      type: 'metrics-disabled',
      title: 'Metrics not configured',
      status: 503,
      detail: 'The server has no METRICS_TOKEN, so /metrics is disabled.',
    }),
  adminDisabled: () =>
    new ProblemError({
      type: 'admin-disabled',
      title: 'Admin API not configured',
      status: 503,
      detail: 'The server has no ADMIN_TOKEN, so admin routes are disabled.',
    }),
  unsupportedMediaType: (expected: string) =>
    new ProblemError({
      type: 'unsupported-media-type',
      title: 'Unsupported media type',
      status: 415,
      detail: `Send the body as ${expected}.`,
    }),
  payloadTooLarge: (limit: number) =>
    new ProblemError({
      type: 'payload-too-large',
      title: 'Request body too large',
      status: 413,
      detail: `The body must be at most ${limit} bytes.`,
    }),
  internal: () =>
    new ProblemError({
      type: 'internal',
      title: 'Internal server error',
      status: 500,
      detail: 'Something went wrong on our side. The request id identifies it in our logs.',
    }),
};

/** A JS property path for people (`events[3].country`) and a JSON Pointer for machines. */
export function fieldPath(segments: readonly PropertyKey[]): { path: string; pointer: string } {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  const pointer = `#/${segments.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  return { path: path || '(body)', pointer: segments.length ? pointer : '#' };
}

export function zodFieldErrors(error: ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.map((issue) => {
    const { path, pointer } = fieldPath([...prefix, ...issue.path]);
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    return { path, pointer, message };
  });
}

export function problemResponse(c: Context, error: ProblemError): Response {
  const body: Problem = { ...error.problem, instance: error.problem.instance ?? c.req.path };
  return c.body(JSON.stringify(body), error.problem.status as ContentfulStatusCode, {
    ...error.headers,
    'Content-Type': 'application/problem+json',
  });
}
