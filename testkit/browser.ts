import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from './app';
import type { TestDatabase } from './db';

/** Debian's Chromium (`apt-get install chromium`); browser tests skip when it is absent, except under CI's REQUIRE_CHROMIUM=1, where they run and fail. */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath) || process.env.REQUIRE_CHROMIUM === '1';

/** Launches headless Chromium with nothing that phones home. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface ServedTestApp extends TestApp {
  /** `http://127.0.0.1:<port>`, also the app's PUBLIC_BASE_URL, so emailed links point here. */
  origin: string;
}

/**
 * The test app behind a real HTTP server on 127.0.0.1. The server listens first (port 0), then
 * the app is built with PUBLIC_BASE_URL = that origin: no window in which another process could
 * take a port picked in advance.
 */
export async function serveTestApp(env: Record<string, string> = {}, database?: TestDatabase): Promise<ServedTestApp> {
  let handler: ((request: Request, bindings: unknown) => Response | Promise<Response>) | undefined;
  const server = serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (request, bindings) => (handler ? handler(request, bindings) : new Response('starting', { status: 503 })),
  });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let t: TestApp;
  try {
    t = await createTestApp({ PUBLIC_BASE_URL: origin, ...env }, database);
  } catch (error) {
    server.close();
    throw error;
  }
  handler = (request, bindings) => t.app.fetch(request, bindings as never);
  return {
    ...t,
    origin,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await t.deps.background.idle();
      await t.close();
    },
  };
}

export interface PageWatch {
  /** Every URL the context asked for (documents, styles, scripts, images, favicons...). */
  requests: string[];
  /** Requests to anything but `origin`: these were also aborted before leaving the machine. */
  external: () => string[];
  /** Console errors and warnings (CSP violations are reported there) and uncaught page errors. */
  problems: string[];
}

/**
 * A browser context that may only talk to `origin`: every request is recorded, anything else is
 * aborted (and reported by `external()`), console errors/warnings and page errors are collected.
 * `expectedConsole` filters out messages a step provokes on purpose (e.g. a 400 page).
 */
export async function watchedContext(
  browser: Browser,
  origin: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext(options);
  const watch: PageWatch = {
    requests: [],
    external: () => watch.requests.filter((url) => new URL(url).origin !== origin),
    problems: [],
  };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    return new URL(url).origin === origin ? route.continue() : route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    if (!request.url().startsWith('data:')) watch.requests.push(request.url());
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      watch.problems.push(`console.${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => watch.problems.push(`pageerror: ${error.message}`));
  return { context, page, watch };
}

/**
 * Every form control of the page (hidden inputs aside) that has no accessible label: neither a
 * <label> (`input.labels`), nor aria-label, nor aria-labelledby. Answers their HTML.
 */
export function unlabelledInputs(page: Page): Promise<string[]> {
  return page.locator('input:not([type=hidden]), select, textarea').evaluateAll((elements) =>
    elements
      .filter((el) => {
        const control = el as HTMLInputElement;
        return !(
          (control.labels?.length ?? 0) > 0 ||
          control.getAttribute('aria-label')?.trim() ||
          control.getAttribute('aria-labelledby')
        );
      })
      .map((el) => el.outerHTML),
  );
}
