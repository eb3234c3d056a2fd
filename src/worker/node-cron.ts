/**
 * Stands in for node-cron in the Workers bundle (`[alias]` in wrangler.toml), so the scheduler,
 * its timers and child processes stay out of it. On Workers the schedules are the Cron Triggers
 * in wrangler.toml and the CRON_* variables are refused (worker/config.ts), so config.ts never
 * asks for a check here; if it ever did, this fails loudly rather than accept an expression.
 */
export function validate(expression: string): boolean {
  throw new Error(
    `node-cron is not part of the Workers bundle; cannot check ${JSON.stringify(expression)}: declare schedules in wrangler.toml [triggers]`,
  );
}
