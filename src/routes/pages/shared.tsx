/** @jsxImportSource hono/jsx */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { MessagePage } from '../../pages/layout';
import { type TokenProblem, tokenProblemText } from '../../subscribers/token-subscriber';

/** An HTML answer in the OpenAPI document. */
export const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

export const tokenQuery = z.object({
  token: z
    .string()
    .max(2048)
    .optional()
    .openapi({ param: { name: 'token', in: 'query' } }),
});

/** A link that does not work, and why, in words (400). */
export const badLinkPage = (c: Context, problem: TokenProblem) =>
  c.html(
    <MessagePage title="This link does not work" tone="error">
      <p>{tokenProblemText[problem]}</p>
      <p>
        <a href="/">Go to the sign-up page</a>
      </p>
    </MessagePage>,
    400,
  );
