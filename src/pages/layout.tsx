/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { type Language, languages, messagesFor } from '../i18n';
import { assetUrl } from './assets';

/**
 * Every page of the site: standards mode (the doctype), `lang`, skip link, header, one `main`
 * landmark, footer. `switchPath` (pages nobody is signed in to) adds links to the same page in
 * the other languages; signed-in pages follow the language the reader chose.
 */
export function Layout(props: { title: string; lang: Language; children: Child; scripts?: 'signup'; switchPath?: string }) {
  const t = messagesFor(props.lang);
  return (
    <>
      {raw('<!doctype html>')}
      <html lang={props.lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>
            {props.title} · {t.site.name}
          </title>
          <link rel="stylesheet" href={assetUrl('style.css')} />
        </head>
        <body>
          <a class="skip" href="#main">
            {t.site.skip}
          </a>
          <header class="site">
            <a href={props.lang === 'en' ? '/' : `/?lang=${props.lang}`}>{t.site.name}</a>
            {props.switchPath !== undefined ? (
              <LanguageLinks current={props.lang} path={props.switchPath} label={t.site.languages} />
            ) : null}
          </header>
          <main id="main">{props.children}</main>
          <footer class="site">
            <p>{t.site.footer}</p>
          </footer>
          {props.scripts === 'signup' ? <script src={assetUrl('signup.js')} defer></script> : null}
        </body>
      </html>
    </>
  );
}

function LanguageLinks({ current, path, label }: { current: Language; path: string; label: string }) {
  return (
    <nav class="languages" aria-label={label}>
      {languages.map((language) =>
        language === current ? (
          <span lang={language} aria-current="page">
            {messagesFor(language).languageName}
          </span>
        ) : (
          <a href={`${path}?lang=${language}`} lang={language} hreflang={language}>
            {messagesFor(language).languageName}
          </a>
        ),
      )}
    </nav>
  );
}

export function MessagePage(props: { title: string; lang: Language; children: Child; tone?: 'ok' | 'error'; switchPath?: string }) {
  return (
    <Layout title={props.title} lang={props.lang} switchPath={props.switchPath}>
      <h1>{props.title}</h1>
      <div class={props.tone === 'error' ? 'notice error' : 'notice'} role={props.tone === 'error' ? 'alert' : 'status'}>
        {props.children}
      </div>
    </Layout>
  );
}
