import type { ZodError } from 'zod';
import { zodFieldErrors } from '../../errors';

/** A fetched document is not what its adapter reads: not JSON, not a tracker country page, ... */
export class SourceFormatError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceFormatError';
  }
}

/** Zod issues about one event as one line: `sources[0].url: must be an http(s) URL; month: ...`. */
export function describeIssues(error: ZodError): string {
  return zodFieldErrors(error)
    .map((field, i) => `${error.issues[i]?.path.length ? field.path : '(event)'}: ${field.message}`)
    .join('; ');
}
