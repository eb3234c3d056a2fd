import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Log } from '../log';
import type { EmailMetrics } from './metrics';
import { createOutboxMailer } from './outbox';
import { createResendMailer } from './resend';
import type { Mailer } from './transport';

/** Resend when RESEND_API_KEY is set, otherwise the outbox folder under DATA_DIR. */
export function createMailer(input: {
  config: Pick<Config, 'resend' | 'emailFrom' | 'dataDir'>;
  clock: Clock;
  log?: Log;
  metrics?: EmailMetrics;
}): Mailer & { dir?: string } {
  const { config, clock, log, metrics } = input;
  if (config.resend) {
    return createResendMailer({
      apiKey: config.resend.apiKey,
      baseUrl: config.resend.baseUrl,
      defaultFrom: config.emailFrom,
      clock,
      log,
      metrics,
    });
  }
  return createOutboxMailer({ dataDir: config.dataDir, defaultFrom: config.emailFrom, clock, log, metrics });
}
