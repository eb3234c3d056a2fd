import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import PostalMime from 'postal-mime';

type Email = Awaited<ReturnType<typeof PostalMime.parse>>;

export interface OutboxMessage {
  file: string;
  email: Email;
  /** Every http(s) link of the message: the html part's hrefs, then the URLs of the text part. */
  links: string[];
}

const decodeEntities = (value: string) =>
  value.replace(
    /&(amp|quot|#39|#x27|lt|gt);/g,
    (_, name: string) => ({ amp: '&', quot: '"', '#39': "'", '#x27': "'", lt: '<', gt: '>' })[name]!,
  );

/**
 * The links of a parsed message. postal-mime has already undone the transfer encoding
 * (quoted-printable soft breaks, base64), so what is left is HTML attributes and plain text.
 */
export function linksOf(email: { html?: string | undefined; text?: string | undefined }): string[] {
  const fromHtml = [...(email.html ?? '').matchAll(/\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)].map((m) =>
    decodeEntities(m[1] ?? m[2] ?? ''),
  );
  const fromText = [...(email.text ?? '').matchAll(/https?:\/\/[^\s<>"')\]]+/g)].map((m) => m[0]);
  return [...new Set([...fromHtml, ...fromText])].filter((link) => /^https?:\/\//i.test(link));
}

/** Every .eml in `<dataDir>/outbox`, oldest first (the outbox names files by time), parsed. */
export async function readOutbox(dataDir: string): Promise<OutboxMessage[]> {
  const dir = join(dataDir, 'outbox');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.eml')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return Promise.all(
    names.map(async (file) => {
      const email = await PostalMime.parse(await readFile(join(dir, file)));
      return { file, email, links: linksOf(email) };
    }),
  );
}

/** The one link of `message` whose path is `path` (e.g. '/confirm'); throws when there is none. */
export function linkTo(message: OutboxMessage, path: string): URL {
  const found = message.links.map((link) => new URL(link)).find((url) => url.pathname === path);
  if (!found) throw new Error(`no ${path} link in ${message.file}; links: ${message.links.join(', ') || '(none)'}`);
  return found;
}
