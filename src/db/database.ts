import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { ChangeType, CountryChangeType } from './change-types';
import type { DigestItem, Frequency, Language, RecordedModel } from './digest-model';
import type { EventSource, EventUpdate } from './event-fields';
import type { InstantAlertModel } from './instant-model';

export type { Frequency, Language } from './digest-model';
export { languages } from './digest-model';

/** jsonb columns: parsed objects when read, JSON text when written. */
type Json<T> = ColumnType<T, string, string>;
/** int8 columns, read through `Number()`: ids stay far below 2^53 (see db/connect.ts). */
type Int8 = ColumnType<number, never, never>;

export interface CountriesTable {
  id: string;
  alpha2: string;
  name: string;
  official_name: string;
  region: string;
  subregion: string;
}

export interface CategoriesTable {
  id: string;
  name: string;
  position: number;
}

export interface FactorsTable {
  id: string;
  category_id: string;
  name: string;
  position: number;
}

export interface EventsTable {
  id: string;
  country_id: string;
  month: string;
  title: string;
  body: string;
  categories: string[];
  factors: string[];
  watch_flag: boolean;
  updates: Json<EventUpdate[]>;
  sources: Json<EventSource[]>;
  url: string | null;
  /** The report's language as its source gives it (a BCP 47 primary subtag such as `es`), or null. */
  language: ColumnType<string | null, string | null | undefined, string | null>;
  content_hash: string;
  first_seen_at: ColumnType<Date, Date, never>;
  last_changed_at: Date;
}

export interface ChangesTable {
  id: Int8;
  type: ChangeType | CountryChangeType;
  /** Exactly one of event_id and country_id is set: an event's change or a country context change. */
  event_id: string | null;
  country_id: string | null;
  previous: Json<Record<string, unknown>> | null;
  detected_at: Date;
}

/** A country's context as last read from its country page (issue 16); its history is in `changes`. */
export interface CountryContextsTable {
  country_id: string;
  context: Json<StoredCountryContext>;
  source_url: string;
  read_at: Date;
}

/** Section -> field -> the value as the page writes it (see alerts/sources/country-context.ts). */
export interface StoredCountryContext {
  rankings: Record<string, string>;
  facts: Record<string, string>;
  treaties: Record<string, string>;
  performance: Record<string, string>;
}

export interface SourceStatesTable {
  url: string;
  etag: string | null;
  last_modified: string | null;
  last_status: string;
  last_event_count: number | null;
  last_fetched_at: Date;
  last_success_at: Date | null;
  body_hash: string | null;
}

export type DetectionRunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'abandoned';

export interface DetectionRunsTable {
  id: Int8;
  trigger: string;
  status: DetectionRunStatus;
  started_at: Date;
  finished_at: Date | null;
  sources: Json<SourceOutcome[]>;
}

/** What one source gave in one detection run. */
export interface SourceOutcome {
  url: string;
  status: 'changed' | 'not_modified' | 'failed';
  format?: string | undefined;
  events?: number | undefined;
  published?: number | undefined;
  updated?: number | undefined;
  unchanged?: number | undefined;
  changes?: number | undefined;
  skipped?: number | undefined;
  /** Why the first skipped event was refused ("title: must be ..."), when any was. */
  firstSkipped?: string | undefined;
  error?: string | undefined;
  durationMs: number;
}

export interface SubscribersTable {
  id: Int8;
  email: string;
  status: 'pending' | 'confirmed';
  countries: string[];
  regions: string[];
  categories: string[];
  frequency: Frequency;
  timezone: string;
  skip_empty: boolean;
  token_version: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
  notice_sent_at: Date | null;
  confirmed_at: Date | null;
  consent_source: string;
  consent_at: Date | null;
  digest_cursor: ColumnType<number, number | undefined, number>;
  /** Opaque random id (uuid) that link tokens carry; set by the column default. */
  public_id: ColumnType<string, never, never>;
  /** Also email at once when a watch flag is raised in their countries (at most one per INSTANT_ALERT_MIN_INTERVAL). */
  instant_alerts: ColumnType<boolean, boolean | undefined, boolean>;
  /** When the provider last accepted an instant alert to them. */
  instant_sent_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  neutral_subjects: ColumnType<boolean, boolean | undefined, boolean>;
  /** Digests also carry the followed countries' context changes (migration 0019). */
  country_context: ColumnType<boolean, boolean | undefined, boolean>;
  /** The language of their pages and emails. */
  language: ColumnType<Language, Language | undefined, Language>;
  /** The active OpenPGP public key (armoured) every email is encrypted to, and its fingerprint. */
  openpgp_key: string | null;
  openpgp_fingerprint: string | null;
  openpgp_confirmed_at: Date | null;
  /** A key given but not yet confirmed from a message encrypted to it. */
  openpgp_pending_key: string | null;
  openpgp_pending_fingerprint: string | null;
  openpgp_pending_at: Date | null;
}

export interface InstantAlertsTable {
  id: Int8;
  subscriber_id: Int8;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  created_at: Date;
  next_attempt_at: Date;
  attempts: ColumnType<number, number | undefined, number>;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  recorded_at: Date | null;
  batch_key: string | null;
  model: Json<InstantAlertModel> | null;
  /** When its batch was first handed to the provider (migration 0023); null: never, so the batch may still shrink. */
  handed_at: Date | null;
  sent_at: Date | null;
}

export interface InstantAlertItemsTable {
  subscriber_id: Int8;
  change_id: Int8;
  event_id: string;
  alert_id: Int8;
}

/** confirm: double opt-in; manage: the manage link again; openpgp: the confirmation of a new key, encrypted to it. */
export type NoticeKind = 'confirm' | 'manage' | 'openpgp';

export interface SignupNoticesTable {
  id: Int8;
  subscriber_id: Int8;
  kind: NoticeKind;
  created_at: Date;
  next_attempt_at: Date;
  attempts: ColumnType<number, number | undefined, number>;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  failed_at: Date | null;
}

export interface RateLimitsTable {
  key: string;
  points: number;
  /** Unix milliseconds (the layout rate-limiter-flexible used). */
  expire: Int8 | null;
}

export interface DigestBatchesTable {
  id: Int8;
  idempotency_key: string;
  status: 'sending' | 'sent' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Date;
  locked_by: string | null;
  locked_until: Date | null;
  created_at: Date;
  sent_at: Date | null;
  last_error: string | null;
}

export type DigestStatus = 'pending' | 'batched' | 'sent' | 'skipped' | 'failed';

export interface DigestsTable {
  id: Int8;
  subscriber_id: number;
  period_key: string;
  due_at: Date;
  status: DigestStatus;
  batch_id: number | null;
  position: number | null;
  model: Json<RecordedModel> | null;
  cursor_to: number | null;
  item_count: number | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  /** Opaque random id the web-view link carries (migration 0021). */
  public_id: ColumnType<string, never, never>;
}

export interface DigestItemsTable {
  ref: string;
  item: Json<DigestItem>;
}

export interface DigestRunsTable {
  id: Int8;
  trigger: string;
  as_of: Date;
  started_at: Date;
  finished_at: Date | null;
  counts: Json<Record<string, number>>;
}

export interface SuppressionsTable {
  email_hash: string;
  reason: 'unsubscribed' | 'bounced' | 'complained';
  created_at: Date;
}

export interface EmailEventsTable {
  id: string;
  type: string;
  received_at: Date;
}

export interface SealedSecret {
  sealed: string;
  /** Null for the current secret; set (24 h ahead) for one that was rotated out. */
  expiresAt: string | null;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  types: string[];
  countries: string[];
  categories: string[];
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_reason: string | null;
  secrets: Json<SealedSecret[]>;
  failing_since: Date | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
  /** Null: the operator's own endpoint. */
  integrator_id: ColumnType<string | null, string | null | undefined, never>;
  /** Standard Webhooks schemes it is signed with: `v1` (HMAC, its secrets), `v1a` (Ed25519, the service's keys). */
  signature_schemes: ColumnType<SignatureScheme[], SignatureScheme[] | undefined, SignatureScheme[]>;
  /** Deliveries per second at most, across instances (webhook_throttles); null: no limit. */
  rate_limit: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A throttled endpoint's send slots: the last reservation's first slot and the next free one. */
export interface WebhookThrottlesTable {
  endpoint_id: string;
  granted_from: Date;
  next_slot_at: Date;
}

export const signatureSchemes = ['v1', 'v1a'] as const;
export type SignatureScheme = (typeof signatureSchemes)[number];

export interface WebhookSigningKeysTable {
  id: string;
  /** Sealed PKCS#8 DER (base64). */
  private_key: string;
  /** Raw public key, base64url (the JWK `x`). */
  public_key: string;
  created_at: ColumnType<Date, Date, never>;
  /** Null: the current key. Otherwise it signs and is published until then. */
  retires_at: Date | null;
}

export interface IntegratorsTable {
  id: string;
  name: string;
  created_at: ColumnType<Date, Date, never>;
}

export interface ApiKeysTable {
  id: string;
  integrator_id: string;
  /** The key's first characters, to recognise it in lists. */
  prefix: string;
  /** SHA-256 (hex) of the whole key. */
  hash: string;
  created_at: ColumnType<Date, Date, never>;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface ConsumerCursorsTable {
  name: string;
  position: number;
}

/** Who runs a singleton job now, until when (see jobs/singleton.ts). */
export interface JobLeasesTable {
  name: string;
  owner: string;
  locked_until: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  change_id: number | null;
  type: string;
  /** Null: the change's body in webhook_payloads (shared by its endpoints). */
  payload: string | null;
  status: DeliveryStatus;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Date;
  locked_by: string | null;
  locked_until: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** A change's webhook body, stored once for every endpoint it goes to. */
export interface WebhookPayloadsTable {
  change_id: number;
  body: string;
}

export interface WebhookAttemptsTable {
  id: Int8;
  delivery_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

export interface Database {
  countries: CountriesTable;
  categories: CategoriesTable;
  factors: FactorsTable;
  events: EventsTable;
  changes: ChangesTable;
  source_states: SourceStatesTable;
  country_contexts: CountryContextsTable;
  detection_runs: DetectionRunsTable;
  subscribers: SubscribersTable;
  suppressions: SuppressionsTable;
  signup_notices: SignupNoticesTable;
  instant_alerts: InstantAlertsTable;
  instant_alert_items: InstantAlertItemsTable;
  rate_limits: RateLimitsTable;
  email_events: EmailEventsTable;
  digest_batches: DigestBatchesTable;
  digests: DigestsTable;
  digest_items: DigestItemsTable;
  digest_runs: DigestRunsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_throttles: WebhookThrottlesTable;
  consumer_cursors: ConsumerCursorsTable;
  job_leases: JobLeasesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_payloads: WebhookPayloadsTable;
  webhook_attempts: WebhookAttemptsTable;
  integrators: IntegratorsTable;
  api_keys: ApiKeysTable;
  webhook_signing_keys: WebhookSigningKeysTable;
}

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
