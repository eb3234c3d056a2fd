/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { assetUrl } from './assets';

/** Every page of the site: standards mode (the doctype), skip link, header, one `main` landmark, footer. */
export function Layout(props: { title: string; children: Child; scripts?: 'signup' }) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{props.title} · Democracy Tracker alerts</title>
          <link rel="stylesheet" href={assetUrl('style.css')} />
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to main content
          </a>
          <header class="site">
            <a href="/">Democracy Tracker alerts</a>
          </header>
          <main id="main">{props.children}</main>
          <footer class="site">
            <p>
              We send only the reports you choose, with no tracking of opens or clicks. Every email has a link to change your choices or
              leave.
            </p>
          </footer>
          {props.scripts === 'signup' ? <script src={assetUrl('signup.js')} defer></script> : null}
        </body>
      </html>
    </>
  );
}

export function MessagePage(props: { title: string; children: Child; tone?: 'ok' | 'error' }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <div class={props.tone === 'error' ? 'notice error' : 'notice'} role={props.tone === 'error' ? 'alert' : 'status'}>
        {props.children}
      </div>
    </Layout>
  );
}
