/** @jsxImportSource hono/jsx */
import { type Language, messagesFor } from '../i18n';
import { groupedFingerprint } from '../templates/openpgp-key-email';
import { Layout } from './layout';

export interface KeyStatus {
  fingerprint: string | null;
  pendingFingerprint: string | null;
}

/**
 * The preference centre's page for encrypted email: the key in use, a key waiting for its
 * confirmation, the form to give or replace one (error in words beside the field), and removal.
 */
export function OpenpgpKeyPage(props: {
  lang: Language;
  email: string;
  token: string;
  status: KeyStatus;
  manageUrl: string;
  notice?: 'sent' | 'removed' | undefined;
  error?: string | undefined;
  typed?: string | undefined;
}) {
  const action = (path: string) => `${path}?token=${encodeURIComponent(props.token)}`;
  const invalid = props.error !== undefined;
  const t = messagesFor(props.lang).openpgp;
  return (
    <Layout title={t.title} lang={props.lang}>
      <h1>{t.heading}</h1>
      <p class="lede">{t.lede(props.email)}</p>
      {props.notice === 'sent' ? (
        <div class="notice" role="status">
          {t.sent}
        </div>
      ) : null}
      {props.notice === 'removed' ? (
        <div class="notice" role="status">
          {t.removed}
        </div>
      ) : null}
      <h2>{t.now}</h2>
      <p>
        {props.status.fingerprint ? (
          <>
            {t.inUse} <code>{groupedFingerprint(props.status.fingerprint)}</code>
          </>
        ) : (
          t.none
        )}
      </p>
      {props.status.pendingFingerprint ? (
        <p>
          {t.waiting} <code>{groupedFingerprint(props.status.pendingFingerprint)}</code>
        </p>
      ) : null}
      <h2>{props.status.fingerprint ? t.replace : t.add}</h2>
      <form method="post" action={action('/preferences/openpgp')}>
        <div class="field">
          <label for="publicKey">{t.keyLabel}</label>
          <p class="hint" id="publicKey-hint">
            {t.keyHintBefore} <code>gpg --armor --export {props.email}</code>
            {t.keyHintAfter}
          </p>
          {invalid ? (
            <p class="field-error" id="publicKey-error">
              <span class="visually-hidden">{messagesFor(props.lang).errors.prefix}</span>
              {props.error}
            </p>
          ) : null}
          <textarea
            id="publicKey"
            name="publicKey"
            rows={10}
            spellcheck={false}
            autocomplete="off"
            aria-describedby={invalid ? 'publicKey-hint publicKey-error' : 'publicKey-hint'}
            aria-invalid={invalid ? 'true' : undefined}
          >
            {props.typed ?? ''}
          </textarea>
        </div>
        <button type="submit">{t.submit}</button>
      </form>
      {props.status.fingerprint || props.status.pendingFingerprint ? (
        <>
          <h2>{t.stopTitle}</h2>
          <form method="post" action={action('/preferences/openpgp/remove')}>
            <button type="submit">{t.remove}</button>
          </form>
        </>
      ) : null}
      <p>
        <a href={props.manageUrl}>{t.back}</a>
      </p>
    </Layout>
  );
}
