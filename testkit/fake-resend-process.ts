/**
 * The fake Resend (fake-resend.ts) and a local SMTP relay (smtp-server) in a child process of
 * their own, so accepting large batches does not run on the event loop being measured. Content is
 * never retained: the parent asks over IPC for who got what (`deliveries()`) and the child's CPU.
 * The child is this file run with the parent's exec arguments (the tsx loader included).
 */
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { startFakeResend } from './fake-resend';

/** Who got a delivery, whether it carried one-click unsubscribe, and (SMTP) whether it was PGP/MIME. */
export interface DeliverySummary {
  to: string[];
  oneClick: boolean;
  via: 'resend' | 'smtp';
  encrypted: boolean;
}

export interface FakeResendUsage {
  /** CPU time (user + system) in ms since the start or the last reset. */
  cpuMs: number;
  rssBytes: number;
  requests: number;
}

type Op = 'deliveries' | 'reset' | 'usage';

export async function startFakeResendProcess() {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  const urls = await new Promise<{ url: string; smtpUrl: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake Resend process exited (${code}) before it listened`)));
    child.once('message', (message) => resolve(message as { url: string; smtpUrl: string }));
  });
  child.removeAllListeners('exit');
  child.on('message', (reply) => {
    const { id, value } = reply as { id: number; value: unknown };
    pending.get(id)?.(value);
    pending.delete(id);
  });
  const ask = <T>(op: Op) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ id, op });
    });
  return {
    ...urls,
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
  let smtpDelivered: DeliverySummary[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        smtpDelivered.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          oneClick:
            /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/im.test(head) && /^List-Unsubscribe:\s*<https:\/\//im.test(head),
          via: 'smtp',
          encrypted: /^Content-Type: multipart\/encrypted;/im.test(head),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  let cpuFrom = process.cpuUsage();
  process.on('message', (message) => {
    const { id, op } = message as { id: number; op: Op };
    let value: unknown;
    if (op === 'deliveries') {
      const oneClick = (h: Record<string, string>) =>
        !!h['List-Unsubscribe']?.startsWith('<https://') && h['List-Unsubscribe-Post'] === 'List-Unsubscribe=One-Click';
      value = [
        ...fake.deliveries().map((d) => ({ to: d.to, oneClick: oneClick(d.headers), via: 'resend', encrypted: false })),
        ...smtpDelivered,
      ];
    } else if (op === 'reset') {
      fake.reset();
      smtpDelivered = [];
      cpuFrom = process.cpuUsage();
    } else {
      const cpu = process.cpuUsage(cpuFrom);
      value = { cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: process.memoryUsage().rss, requests: fake.requests().length };
    }
    process.send!({ id, value });
  });
  process.on('disconnect', () => void fake.close().then(() => smtp.close(() => process.exit(0))));
  process.send!({ url: fake.url, smtpUrl: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}` });
}

if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) {
  runChild().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
