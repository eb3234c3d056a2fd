/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { allChangeTypes } from '../db/change-types';
import { signatureSchemes } from '../db/database';
import { Layout } from './layout';

/** An endpoint as the portal shows and edits it. */
export interface PortalEndpoint {
  id: string;
  url: string;
  description: string | null;
  types: string[];
  countries: string[];
  categories: string[];
  signatures: string[];
  /** Deliveries per second at most, as typed ('' for no limit). */
  rateLimit: string;
  enabled: boolean;
  disabledReason: string | null;
}

export interface PortalDelivery {
  id: string;
  type: string;
  status: string;
  attempts: { at: string; statusCode: number | null; latencyMs: number; error: string | null; excerpt: string | null }[];
  nextAttemptAt: string | null;
}

/** The replay form as typed, with the error of each field in words. */
export interface ReplayForm {
  since: string;
  until: string;
  sinceError?: string;
  untilError?: string;
}

export type EndpointFormField = 'url' | 'description' | 'types' | 'countries' | 'categories' | 'signatures' | 'rateLimit';
export type EndpointFormErrors = Partial<Record<EndpointFormField, string>>;

const fieldAria = (errors: EndpointFormErrors, field: EndpointFormField, hint?: string) => {
  const ids = [hint, errors[field] ? `${field}-error` : undefined].filter(Boolean).join(' ');
  return { ...(errors[field] ? { 'aria-invalid': 'true' as const } : {}), ...(ids ? { 'aria-describedby': ids } : {}) };
};

const FieldError = (props: { errors: EndpointFormErrors; field: EndpointFormField }) =>
  props.errors[props.field] ? (
    <p class="field-error" id={`${props.field}-error`}>
      {props.errors[props.field]}
    </p>
  ) : null;

function PortalNav() {
  return (
    <nav aria-label="Portal">
      <p>
        <a href="/portal">Endpoints</a> · <a href="/portal/event-types">Event catalogue</a>
      </p>
    </nav>
  );
}

function PortalLayout(props: { title: string; integrator: string; children: Child }) {
  return (
    <Layout title={`${props.title} · ${props.integrator}`} lang="en">
      <p class="kicker">Webhook portal · {props.integrator}</p>
      <h1>{props.title}</h1>
      <PortalNav />
      {props.children}
    </Layout>
  );
}

/** The add or edit form: the posted values come back with each error beside its field. */
export function EndpointForm(props: { action: string; value: PortalEndpoint; errors: EndpointFormErrors; submit: string; edit?: boolean }) {
  const { value, errors } = props;
  const summary = Object.entries(errors);
  return (
    <form method="post" action={props.action} novalidate>
      {summary.length > 0 ? (
        <div class="notice error" role="alert" aria-labelledby="problem-heading">
          <h2 id="problem-heading">There is a problem</h2>
          <ul class="errors">
            {summary.map(([field, message]) => (
              <li>
                <a href={`#${field}`}>{message}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <label for="url">Endpoint URL</label>
      <p class="hint" id="url-hint">
        Where we POST each event (https).
      </p>
      <FieldError errors={errors} field="url" />
      <input id="url" name="url" type="url" value={value.url} {...fieldAria(errors, 'url', 'url-hint')} />
      <label for="description">Description</label>
      <FieldError errors={errors} field="description" />
      <input id="description" name="description" type="text" value={value.description ?? ''} {...fieldAria(errors, 'description')} />
      <fieldset id="types" {...fieldAria(errors, 'types', 'types-hint')}>
        <legend>Event types</legend>
        <p class="hint" id="types-hint">
          None ticked means every type.
        </p>
        <FieldError errors={errors} field="types" />
        {allChangeTypes.map((type) => (
          <label class="choice">
            <input type="checkbox" name="types" value={type} checked={value.types.includes(type)} /> {type}
          </label>
        ))}
      </fieldset>
      <label for="countries">Countries</label>
      <p class="hint" id="countries-hint">
        ISO 3166-1 alpha-3 codes separated by commas (KAZ, NOR); empty means every country.
      </p>
      <FieldError errors={errors} field="countries" />
      <input
        id="countries"
        name="countries"
        type="text"
        value={value.countries.join(', ')}
        {...fieldAria(errors, 'countries', 'countries-hint')}
      />
      <label for="categories">Categories</label>
      <p class="hint" id="categories-hint">
        Category or factor ids separated by commas (rights, representation); empty means every category.
      </p>
      <FieldError errors={errors} field="categories" />
      <input
        id="categories"
        name="categories"
        type="text"
        value={value.categories.join(', ')}
        {...fieldAria(errors, 'categories', 'categories-hint')}
      />
      <fieldset id="signatures" {...fieldAria(errors, 'signatures', 'signatures-hint')}>
        <legend>Signatures</legend>
        <p class="hint" id="signatures-hint">
          v1: HMAC with the endpoint secret. v1a: Ed25519 with our published keys (/v1/webhook-signing-keys).
        </p>
        <FieldError errors={errors} field="signatures" />
        {signatureSchemes.map((scheme) => (
          <label class="choice">
            <input type="checkbox" name="signatures" value={scheme} checked={value.signatures.includes(scheme)} /> {scheme}
          </label>
        ))}
      </fieldset>
      <label for="rateLimit">Deliveries per second at most</label>
      <p class="hint" id="rateLimit-hint">
        A whole number from 1 to 1000; empty means no limit. Retries and replays count too.
      </p>
      <FieldError errors={errors} field="rateLimit" />
      <input
        id="rateLimit"
        name="rateLimit"
        type="text"
        inputmode="numeric"
        value={value.rateLimit}
        {...fieldAria(errors, 'rateLimit', 'rateLimit-hint')}
      />
      {props.edit ? (
        <label class="choice">
          <input type="checkbox" name="enabled" value="on" checked={value.enabled} /> Enabled: deliver events to this endpoint
        </label>
      ) : null}
      <button type="submit">{props.submit}</button>
    </form>
  );
}

export const emptyEndpoint: PortalEndpoint = {
  id: '',
  url: '',
  description: null,
  types: [],
  countries: [],
  categories: [],
  signatures: ['v1'],
  rateLimit: '',
  enabled: true,
  disabledReason: null,
};

export function PortalHomePage(props: {
  integrator: string;
  endpoints: PortalEndpoint[];
  form: PortalEndpoint;
  errors: EndpointFormErrors;
}) {
  return (
    <PortalLayout title="Your webhook endpoints" integrator={props.integrator}>
      {props.endpoints.length === 0 ? <p>No endpoints yet: add one below.</p> : null}
      <ul>
        {props.endpoints.map((e) => (
          <li>
            <a href={`/portal/endpoints/${e.id}`}>{e.url}</a> {e.description ? `(${e.description})` : ''}{' '}
            {e.enabled ? 'enabled' : `disabled: ${e.disabledReason ?? ''}`}
          </li>
        ))}
      </ul>
      <h2>Add an endpoint</h2>
      <EndpointForm action="/portal/endpoints" value={props.form} errors={props.errors} submit="Add endpoint" />
    </PortalLayout>
  );
}

const actionButton = (action: string, label: string) => (
  <form method="post" action={action} class="inline">
    <button type="submit">{label}</button>
  </form>
);

export function EndpointPage(props: {
  integrator: string;
  endpoint: PortalEndpoint;
  form: PortalEndpoint;
  errors: EndpointFormErrors;
  deliveries: PortalDelivery[];
  notice?: string;
  secret?: string;
  replay?: ReplayForm;
}) {
  const base = `/portal/endpoints/${props.endpoint.id}`;
  const replay = props.replay ?? { since: '', until: '' };
  return (
    <PortalLayout title={props.endpoint.url} integrator={props.integrator}>
      {props.notice ? (
        <div class="notice" role="status">
          {props.notice}
        </div>
      ) : null}
      {props.secret ? (
        <div class="notice" role="status">
          <p>Your new signing secret, shown only now (the old one keeps signing for 24 hours):</p>
          <p>
            <code>{props.secret}</code>
          </p>
        </div>
      ) : null}
      <h2>Settings</h2>
      <EndpointForm action={base} value={props.form} errors={props.errors} submit="Save endpoint" edit />
      <h2>Actions</h2>
      {actionButton(`${base}/test`, 'Send a test event')}
      {actionButton(`${base}/rotate-secret`, 'Rotate the signing secret')}
      <form method="post" action={`${base}/replay`} novalidate>
        <label for="since">Replay every event since (UTC date and time)</label>
        {replay.sinceError ? (
          <p class="field-error" id="since-error">
            {replay.sinceError}
          </p>
        ) : null}
        <input
          id="since"
          name="since"
          type="datetime-local"
          value={replay.since}
          {...(replay.sinceError ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'since-error' } : {})}
        />
        <label for="until">… and before (UTC date and time; empty: up to now)</label>
        {replay.untilError ? (
          <p class="field-error" id="until-error">
            {replay.untilError}
          </p>
        ) : null}
        <input
          id="until"
          name="until"
          type="datetime-local"
          value={replay.until}
          {...(replay.untilError ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'until-error' } : {})}
        />
        <button type="submit">Replay</button>
      </form>
      <h2>Recent deliveries</h2>
      {props.deliveries.length === 0 ? <p>No deliveries yet.</p> : null}
      {props.deliveries.length > 0 ? (
        <table>
          <caption class="visually-hidden">Recent deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts (status, latency, answer)</th>
              <th scope="col">Next retry</th>
              <th scope="col">Retry</th>
            </tr>
          </thead>
          <tbody>
            {props.deliveries.map((d) => (
              <tr>
                <td>
                  {d.type} <span class="meta">{d.id}</span>
                </td>
                <td>{d.status}</td>
                <td>
                  <ul>
                    {d.attempts.map((a) => (
                      <li>
                        {a.at}: {a.statusCode ?? 'no answer'}, {a.latencyMs} ms{a.error ? `, ${a.error}` : ''}
                        {a.excerpt ? (
                          <>
                            , <q>{a.excerpt}</q>
                          </>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{d.nextAttemptAt ?? 'none'}</td>
                <td>{actionButton(`${base}/deliveries/${d.id}/retry`, `Retry ${d.id}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </PortalLayout>
  );
}

export function EventTypesPage(props: { integrator: string; types: { type: string; description: string; example: unknown }[] }) {
  return (
    <PortalLayout title="Event catalogue" integrator={props.integrator}>
      <p>Every event type a webhook may carry, with an example body. JSON Schemas: GET /v1/event-types.</p>
      {props.types.map((t) => (
        <section aria-labelledby={`type-${t.type}`}>
          <h2 id={`type-${t.type}`}>{t.type}</h2>
          <p>{t.description}</p>
          <pre tabindex={0}>{JSON.stringify(t.example, null, 2)}</pre>
        </section>
      ))}
    </PortalLayout>
  );
}

export function PortalMessagePage(props: { title: string; children: Child }) {
  return (
    <Layout title={props.title} lang="en">
      <h1>{props.title}</h1>
      <div class="notice error" role="alert">
        {props.children}
      </div>
    </Layout>
  );
}
