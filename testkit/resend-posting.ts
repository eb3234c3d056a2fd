/** Batches of 100 emails posted to the fake Resend one at a time, raw or through a mailer: the rate to compare a run with. */
import { asciiJsonString } from '../src/email/ascii-json';
import type { EmailMessage, Mailer } from '../src/email/transport';

const now = () => performance.now();

/** The body the mailer posts for each batch of 100, serialised beforehand: the same JSON (non-ASCII strings as \\u escapes, see src/email/ascii-json.ts). */
export function rawPayloads(messages: readonly EmailMessage[], from: string) {
  const payloads = [];
  for (let i = 0; i + 100 <= messages.length; i += 100) {
    payloads.push(
      messages.slice(i, i + 100).map((m) => ({
        from: asciiJsonString(from),
        headers: m.headers,
        html: asciiJsonString(m.html),
        subject: asciiJsonString(m.subject),
        text: asciiJsonString(m.text),
        to: m.to,
      })),
    );
  }
  return payloads;
}

export function rawBodies(messages: readonly EmailMessage[], from: string): string[] {
  return rawPayloads(messages, from).map((payload) => JSON.stringify(payload));
}

export async function rawPosting(
  { url, apiKey }: { url: string; apiKey: string },
  bodies: readonly string[],
  maxBatches: number,
  pass: number,
  maxMs: number,
): Promise<{ ms: number; emails: number; batches: number }> {
  const t0 = now();
  let emails = 0;
  let i = 0;
  for (; i < maxBatches && (maxMs <= 0 || i < 10 || now() - t0 < maxMs); i++) {
    const post = () =>
      fetch(`${url}/emails/batch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `raw-${process.pid}-${pass}-${i}`,
          'x-batch-validation': 'strict',
        },
        body: bodies[i % bodies.length]!,
      });
    // A keep-alive connection the server closed while idle fails once (ECONNRESET): post again.
    const response = await post().catch(() => post());
    const answer = (await response.json()) as { data?: unknown[] };
    if (response.status !== 200 || answer.data?.length !== 100)
      throw new Error(`raw post ${i}: ${response.status} ${JSON.stringify(answer).slice(0, 200)}`);
    emails += answer.data.length;
  }
  return { ms: now() - t0, emails, batches: i };
}

/** The same batches posted through the mailer the tick uses (the resend SDK: serialise + fetch), one at a time, no rendering, no database. */
export async function mailerPosting(
  mailer: Mailer,
  messages: readonly EmailMessage[],
  maxBatches: number,
  pass: number,
  maxMs: number,
): Promise<{ ms: number; emails: number; batches: number }> {
  const batches: EmailMessage[][] = [];
  for (let i = 0; i + 100 <= messages.length; i += 100) batches.push(messages.slice(i, i + 100));
  const t0 = now();
  let emails = 0;
  let i = 0;
  for (; i < maxBatches && (maxMs <= 0 || i < 10 || now() - t0 < maxMs); i++) {
    const { ids } = await mailer.sendBatch(batches[i % batches.length]!, { idempotencyKey: `sdk-${process.pid}-${pass}-${i}` });
    emails += ids.length;
  }
  return { ms: now() - t0, emails, batches: i };
}
