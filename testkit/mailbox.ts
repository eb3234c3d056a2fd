import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime from 'postal-mime';

export interface ReceivedEmail {
  file: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Every email the outbox transport wrote under DATA_DIR/outbox, parsed, oldest first. */
export async function readOutbox(dataDir: string): Promise<ReceivedEmail[]> {
  let files: string[];
  try {
    files = readdirSync(join(dataDir, 'outbox'))
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
  return Promise.all(
    files.map(async (file) => {
      const parsed = await PostalMime.parse(readFileSync(join(dataDir, 'outbox', file)));
      return {
        file,
        to: parsed.to?.[0]?.address ?? '',
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: parsed.html ?? '',
        headers: Object.fromEntries(parsed.headers.map((h) => [h.key, h.value])),
      };
    }),
  );
}

/** The first link in an email's text whose path is `path` (e.g. '/confirm'), made relative. */
export function linkIn(email: ReceivedEmail, path: string): string {
  const match = new RegExp(`https?://[^\\s<>"]+${path.replace('/', '\\/')}\\?token=[A-Za-z0-9._~%-]+`).exec(email.text);
  if (!match) throw new Error(`no ${path} link in email "${email.subject}"`);
  const url = new URL(match[0]);
  return `${url.pathname}${url.search}`;
}
