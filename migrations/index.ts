import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_taxonomy_events_changes';
import * as m0002 from './0002_sources_and_detection_runs';
import * as m0003 from './0003_subscribers';
import * as m0004 from './0004_digests';
import * as m0005 from './0005_source_body_hash';
import * as m0006 from './0006_webhooks';
import * as m0007 from './0007_rate_limit_address_hashes';
import * as m0008 from './0008_signup_notices';
import * as m0009 from './0009_webhook_wake_ups_and_shared_payloads';
import * as m0010 from './0010_digest_items';
import * as m0011 from './0011_job_leases';
import * as m0012 from './0012_queue_leases';
import * as m0013 from './0013_subscriber_public_ids';
import * as m0014 from './0014_instant_alerts';
import * as m0015 from './0015_integrator_keys';
import * as m0015b from './0015b_webhook_signing_keys';
import * as m0016 from './0016_country_context';
import * as m0017 from './0017_subscriber_privacy';
import * as m0018 from './0018_subscriber_language';
import * as m0019 from './0019_subscriber_country_context';
import * as m0020 from './0020_webhook_endpoint_throttle';
import * as m0021 from './0021_digest_ids_and_instant_alert_costs';
import * as m0022 from './0022_event_language';
import * as m0023 from './0023_instant_alert_handover';
import * as m0023b from './0023b_instant_alert_due_indexes';
import * as m0023c from './0023c_instant_alert_sending_subscriber_index';
import * as m0024 from './0024_room_for_hot_updates';

/**
 * Every migration, in order. Imported statically (not read from disk) so the Node server,
 * the CLI and the Workers bundle run exactly the same set on PostgreSQL and PGlite.
 */
export const migrations: Record<string, Migration> = {
  '0001_taxonomy_events_changes': m0001,
  '0002_sources_and_detection_runs': m0002,
  '0003_subscribers': m0003,
  '0004_digests': m0004,
  '0005_source_body_hash': m0005,
  '0006_webhooks': m0006,
  '0007_rate_limit_address_hashes': m0007,
  '0008_signup_notices': m0008,
  '0009_webhook_wake_ups_and_shared_payloads': m0009,
  '0010_digest_items': m0010,
  '0011_job_leases': m0011,
  '0012_queue_leases': m0012,
  '0013_subscriber_public_ids': m0013,
  '0014_instant_alerts': m0014,
  '0015_integrator_keys': m0015,
  '0015b_webhook_signing_keys': m0015b,
  '0016_country_context': m0016,
  '0017_subscriber_privacy': m0017,
  '0018_subscriber_language': m0018,
  '0019_subscriber_country_context': m0019,
  '0020_webhook_endpoint_throttle': m0020,
  '0021_digest_ids_and_instant_alert_costs': m0021,
  '0022_event_language': m0022,
  '0023_instant_alert_handover': m0023,
  '0023b_instant_alert_due_indexes': m0023b,
  '0023c_instant_alert_sending_subscriber_index': m0023c,
  '0024_room_for_hot_updates': m0024,
};
