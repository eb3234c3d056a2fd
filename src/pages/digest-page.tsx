/** @jsxImportSource hono/jsx */
import { messagesFor } from '../i18n';
import { modelTotals, prepareDigest } from '../templates/digest-prepare';
import { type DigestView, digestView } from '../templates/digest-view';
import type { DigestBadge, DigestModel } from '../templates/models';
import { Layout } from './layout';

type ItemView = DigestView['countries'][number]['items'][number];

const badgeOf = (item: ItemView): DigestBadge =>
  item.badge.new ? 'new' : item.badge.updated ? 'updated' : item.badge.watchFlagRaised ? 'watch_flag_raised' : 'watch_flag_lifted';

function Report({ item }: { item: ItemView }) {
  const badge = badgeOf(item);
  // The report's own texts carry its language when it is not the reader's (lang of those parts).
  const lang = item.reportLanguage ? item.reportLanguage.tag : undefined;
  return (
    <article class="report">
      <p class="meta">
        <span class={`badge ${badge}`}>{item.w.badge}</span> {item.month}
        {item.categories ? ` · ${item.categories}` : ''}
        {item.reportLanguage ? ` · ${item.reportLanguage.note}` : ''}
      </p>
      <h3>
        <bdi lang={lang}>{item.url ? <a href={item.url}>{item.title}</a> : item.title}</bdi>
      </h3>
      {item.watchFlag ? <p class="watch-flag">⚑ {item.w.watchFlag}</p> : null}
      {item.w.alertedOn ? <p class="meta">{item.w.alertedOn}</p> : null}
      {item.excerpt ? (
        <p>
          <bdi lang={lang}>{item.excerpt}</bdi>
        </p>
      ) : null}
      {item.update ? (
        <p class="update">
          <strong>{item.w.update}</strong> <bdi lang={lang}>{item.update.text}</bdi>
          {item.update.changed ? (
            <span class="meta">
              {' '}
              {item.w.changed} {item.update.changed}
            </span>
          ) : null}
        </p>
      ) : null}
      {item.hasSources ? (
        <p class="meta">
          {item.w.sources}{' '}
          {item.sources.map((s, index) => (
            <>
              {index > 0 ? ', ' : ''}
              <bdi>{s.url ? <a href={s.url}>{s.name}</a> : s.name}</bdi>
            </>
          ))}
        </p>
      ) : null}
      {item.url ? (
        <p>
          <a href={item.url}>{item.w.readReport}</a>
        </p>
      ) : null}
    </article>
  );
}

/**
 * The web version of a sent digest, as a page of the site: the same content as the email
 * (built from the same view, every report, no size budget), with the site's header and `main`
 * landmark, and without the email's "view in browser" link to itself.
 */
export function DigestPage({ model }: { model: DigestModel }) {
  // The language the digest was written in (the reader's when it was sent).
  const lang = model.language ?? 'en';
  const view = digestView(prepareDigest(model), modelTotals(model));
  const links = view.footer.links.filter((link) => link.url !== model.links.viewInBrowser);
  return (
    <Layout title={`${view.header.title} ${view.digestNoun}`} lang={lang}>
      <p class="kicker">{view.header.kicker}</p>
      <h1>{view.header.title}</h1>
      {view.header.subtitle ? <p class="lede">{view.header.subtitle}</p> : null}
      {view.hasItems ? (
        <>
          <p>{view.w.intro}</p>
          <p class="meta">
            <strong>{view.w.inThis}</strong> {view.contents.map((c) => `${c.name} (${c.count})`).join(' · ')}
          </p>
        </>
      ) : null}
      {view.watchFlagNote ? <p class="meta">⚑ {view.watchFlagNote}</p> : null}
      {view.isEmpty ? <p>{view.w.empty}</p> : null}
      {view.countries.map((country, index) => (
        <section class="country" aria-labelledby={`country-${index}`}>
          <h2 id={`country-${index}`}>{country.name}</h2>
          {country.items.map((item) => (
            <Report item={item} />
          ))}
        </section>
      ))}
      {view.more ? (
        <p>
          {view.more.note} <a href={view.more.url}>{view.more.label}</a>
        </p>
      ) : null}
      {view.countryContext ? (
        <section class="country-context" aria-labelledby="country-context">
          <h2 id="country-context">{view.countryContext.heading}</h2>
          <p class="meta">{view.countryContext.intro}</p>
          {view.countryContext.lines.map((line) => (
            <p>
              <strong>
                <bdi>{line.country}</bdi>
              </strong>{' '}
              · <span class="meta">{line.meta}</span>
              {line.changes.map((change) => (
                <>
                  <br />
                  <bdi>{change.text}</bdi>
                </>
              ))}
              {line.url ? (
                <>
                  <br />
                  <a href={line.url}>{line.pageLabel}</a>
                </>
              ) : null}
            </p>
          ))}
          {view.countryContext.more ? <p class="meta">{view.countryContext.more}</p> : null}
        </section>
      ) : null}
      <aside class="digest-footer" aria-label={messagesFor(lang).email.digest.about}>
        <p>{view.footer.why}</p>
        <p>
          {links.map((link, index) => (
            <>
              {index > 0 ? ' · ' : ''}
              <a href={link.url}>{link.label}</a>
            </>
          ))}
        </p>
      </aside>
    </Layout>
  );
}
