import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trackerCountries } from '../src/taxonomy/tracker-countries';

/** The Kazakhstan country page as HTML (tests/fixtures): every served country page has its size and shape. */
const kazakhstanHtml = readFileSync(new URL('../tests/fixtures/tracker-kazakhstan-2025-01.html', import.meta.url), 'utf8');

/** The Kazakhstan page rewritten for another country: its name in the title and heading, the rest as it is. */
export function countryPageHtml(name: string): string {
  return kazakhstanHtml
    .replace('<title>Kazakhstan |', `<title>${name} |`)
    .replace('field--name-title">Kazakhstan<', `field--name-title">${escapeHtml(name)}<`);
}

export interface TrackerSiteRequest {
  path: string;
  conditional: boolean;
  status: number;
  at: number;
  /** Body bytes sent. */
  bytes: number;
}

/** What a page answers instead of its HTML: a status (with headers) a number of times, or a hang. */
export type PageBehaviour = { status: number; headers?: Record<string, string>; times: number } | { hang: true };

/**
 * The tracker site on 127.0.0.1: a country page for each of the tracker's 173 countries at
 * `/democracytracker/country/<slug>` with an ETag (304 on a match), robots.txt as given,
 * per-page behaviours (429s, 500s, hangs) and page edits between runs.
 */
export async function startTrackerSite(options: { robotsTxt?: string } = {}) {
  const pages = new Map<string, string | Buffer>(
    trackerCountries.map((c) => [`/democracytracker/country/${c.slug}`, countryPageHtml(c.name)]),
  );
  const behaviours = new Map<string, PageBehaviour>();
  const requests: TrackerSiteRequest[] = [];
  let robotsTxt = options.robotsTxt ?? 'User-agent: *\nAllow: /\n';

  const answer = (
    res: ServerResponse,
    path: string,
    conditional: boolean,
    status: number,
    headers: Record<string, string>,
    body: string | Buffer = '',
  ) => {
    requests.push({ path, conditional, status, at: Date.now(), bytes: Buffer.byteLength(body) });
    res.writeHead(status, headers).end(body);
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const conditional = req.headers['if-none-match'] !== undefined;
    if (path === '/robots.txt') return answer(res, path, conditional, 200, { 'content-type': 'text/plain' }, robotsTxt);
    const behaviour = behaviours.get(path);
    if (behaviour && 'hang' in behaviour) {
      requests.push({ path, conditional, status: 0, at: Date.now(), bytes: 0 });
      return;
    }
    if (behaviour && behaviour.times > 0) {
      behaviour.times -= 1;
      return answer(res, path, conditional, behaviour.status, behaviour.headers ?? {});
    }
    const page = pages.get(path);
    if (page === undefined) return answer(res, path, conditional, 404, {});
    const etag = `"${createHash('sha1').update(page).digest('base64url')}"`;
    if (req.headers['if-none-match'] === etag) return answer(res, path, conditional, 304, { etag });
    answer(res, path, conditional, 200, { 'content-type': 'text/html; charset=utf-8', etag }, page);
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    pagePath: (slug: string) => `/democracytracker/country/${slug}`,
    page: (slug: string) => String(pages.get(`/democracytracker/country/${slug}`)),
    setPage: (slug: string, html: string | Buffer) => pages.set(`/democracytracker/country/${slug}`, html),
    behave: (slug: string, behaviour: PageBehaviour) => behaviours.set(`/democracytracker/country/${slug}`, behaviour),
    setRobots: (text: string) => {
      robotsTxt = text;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&#39;');
}
