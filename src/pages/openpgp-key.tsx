/** @jsxImportSource hono/jsx */
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
  return (
    <Layout title="Encrypted email">
      <h1>Encrypted email (OpenPGP)</h1>
      <p class="lede">
        Give us your OpenPGP public key and every email to <strong>{props.email}</strong> is encrypted to it: digests, instant alerts and
        notices. Their subject lines then name nothing.
      </p>
      {props.notice === 'sent' ? (
        <div class="notice" role="status">
          We sent a confirmation, encrypted to the key. Open it in your email program and follow its link: only then do we encrypt to this
          key.
        </div>
      ) : null}
      {props.notice === 'removed' ? (
        <div class="notice" role="status">
          Your key is removed. Emails are no longer encrypted.
        </div>
      ) : null}
      <h2>Your key now</h2>
      <p>
        {props.status.fingerprint ? (
          <>
            In use: <code>{groupedFingerprint(props.status.fingerprint)}</code>
          </>
        ) : (
          'No key: emails are not encrypted.'
        )}
      </p>
      {props.status.pendingFingerprint ? (
        <p>
          Waiting for confirmation: <code>{groupedFingerprint(props.status.pendingFingerprint)}</code>
        </p>
      ) : null}
      <h2>{props.status.fingerprint ? 'Replace your key' : 'Add a key'}</h2>
      <form method="post" action={action('/preferences/openpgp')}>
        <div class="field">
          <label for="publicKey">Your public key</label>
          <p class="hint" id="publicKey-hint">
            The armoured text from <code>gpg --armor --export {props.email}</code>, starting with -----BEGIN PGP PUBLIC KEY BLOCK-----. One
            of its user IDs must be this address. Never paste your secret key.
          </p>
          {invalid ? (
            <p class="field-error" id="publicKey-error">
              <span class="visually-hidden">Error: </span>
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
        <button type="submit">Send the encrypted confirmation</button>
      </form>
      {props.status.fingerprint || props.status.pendingFingerprint ? (
        <>
          <h2>Stop encrypting</h2>
          <form method="post" action={action('/preferences/openpgp/remove')}>
            <button type="submit">Remove my key</button>
          </form>
        </>
      ) : null}
      <p>
        <a href={props.manageUrl}>Back to your alerts</a>
      </p>
    </Layout>
  );
}
