/** @jsxImportSource hono/jsx */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requestLanguage } from '../../http/language';
import { messagesFor } from '../../i18n';
import { MessagePage } from '../../pages/layout';
import type { TokenProblem } from '../../subscribers/token-subscriber';

/** An HTML answer in the OpenAPI document. */
export const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

export const tokenQuery = z.object({
  token: z
    .string()
    .max(2048)
    .optional()
    .openapi({ param: { name: 'token', in: 'query' } }),
});

/** The id a form post with errors redirects with: the page shows that post's input and errors again (src/http/form-drafts.ts). */
export const draftParam = z
  .string()
  .max(64)
  .optional()
  .openapi({
    param: { name: 'draft', in: 'query' },
    description:
      'Set by the redirect after a form post with errors: the form is shown again with the input and each error beside its field',
  });

/** A link that does not work, and why, in words (400), in the browser's language: whose link it was is unknown. */
export const badLinkPage = (c: Context, problem: TokenProblem) => {
  const lang = requestLanguage(c);
  const t = messagesFor(lang).badLink;
  return c.html(
    <MessagePage title={t.title} lang={lang} tone="error">
      <p>{t[problem]}</p>
      <p>
        <a href={lang === 'en' ? '/' : `/?lang=${lang}`}>{t.home}</a>
      </p>
    </MessagePage>,
    400,
  );
};
