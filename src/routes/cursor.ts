import { z } from '@hono/zod-openapi';

/** An opaque keyset cursor: the sort key of a page's last row, as base64url JSON. */
export const encodeCursor = (values: readonly (string | number)[]): string => Buffer.from(JSON.stringify(values)).toString('base64url');

export function decodeCursor<T>(cursor: string, shape: z.ZodType<T>): T | undefined {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The `cursor` query parameter: decoded into `shape`'s position, or a 400 naming `cursor`. */
export function cursorQueryParam<T>(shape: z.ZodType<T>) {
  return z
    .string()
    .max(600)
    .transform((v, ctx) => {
      const position = decodeCursor(v, shape);
      if (position === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this API gave out' });
        return z.NEVER;
      }
      return position;
    })
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'The nextCursor of the previous page' });
}
