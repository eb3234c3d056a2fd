/**
 * The fake Resend (fake-resend.ts) in a child process of its own, so the work of accepting
 * large batches (reading and parsing the body, hashing it) does not run on the event loop of
 * the process being measured. For benchmarks: content is never retained, and the parent sees
 * the delivery log as a summary (`deliveries()`), fetched over IPC when asked for.
 *
 * The child is this file run with the parent's exec arguments (the tsx loader included).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFakeResend } from './fake-resend';

/** What the parent needs of a delivery: who got it and whether it carried one-click unsubscribe. */
export interface DeliverySummary {
  to: string[];
  oneClick: boolean;
}

export interface FakeResendUsage {
  /** CPU time the fake has used (user + system), in ms, since it started or was last reset. */
  cpuMs: number;
  rssBytes: number;
  requests: number;
}

type Request = { id: number; op: 'deliveries' | 'reset' | 'usage' };
type Reply = { id: number; value: unknown };

export async function startFakeResendProcess(): Promise<{
  url: string;
  /** The child's process id (to read its CPU time from outside). */
  pid: number;
  deliveries(): Promise<DeliverySummary[]>;
  reset(): Promise<void>;
  usage(): Promise<FakeResendUsage>;
  close(): Promise<void>;
}> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake Resend process exited (${code}) before it listened`)));
    child.once('message', (message) => resolve((message as { url: string }).url));
  });
  child.removeAllListeners('exit');
  child.on('message', (message) => {
    const reply = message as Reply;
    pending.get(reply.id)?.(reply.value);
    pending.delete(reply.id);
  });
  const ask = <T>(op: Request['op']) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ id, op } satisfies Request);
    });
  return {
    url,
    pid: child.pid!,
    deliveries: () => ask<DeliverySummary[]>('deliveries'),
    reset: () => ask<void>('reset'),
    usage: () => ask<FakeResendUsage>('usage'),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

async function runChild(): Promise<void> {
  const fake = await startFakeResend({ retainContent: false });
  let cpuFrom = process.cpuUsage();
  process.on('message', async (message) => {
    const { id, op } = message as Request;
    let value: unknown;
    if (op === 'deliveries') {
      value = fake.deliveries().map((d) => ({
        to: d.to,
        oneClick:
          !!d.headers['List-Unsubscribe']?.startsWith('<https://') && d.headers['List-Unsubscribe-Post'] === 'List-Unsubscribe=One-Click',
      }));
    } else if (op === 'reset') {
      fake.reset();
      cpuFrom = process.cpuUsage();
    } else {
      const cpu = process.cpuUsage(cpuFrom);
      value = {
        cpuMs: (cpu.user + cpu.system) / 1000,
        rssBytes: process.memoryUsage().rss,
        requests: fake.requests().length,
      } satisfies FakeResendUsage;
    }
    process.send!({ id, value } satisfies Reply);
  });
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
  process.send!({ url: fake.url });
}

if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) {
  runChild().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
