/**
 * The fake Resend (fake-resend.ts) and a local SMTP relay (smtp-server) in a child process of
 * their own, so accepting large batches does not run on the event loop being measured. Content is
 * never retained: the parent asks over IPC for who got what (`deliveries()`) and the child's CPU.
 * The child is this file run with the parent's exec arguments (the tsx loader included).
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { startFakeResend } from './fake-resend';
import { serveCommands, startServed } from './ipc';

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

export async function startFakeResendProcess() {
  const child = await startServed<{ url: string; smtpUrl: string }>(fileURLToPath(import.meta.url), { args: ['--child'] });
  return {
    ...child.hello,
    pid: child.pid,
    deliveries: () => child.ask<DeliverySummary[]>('deliveries'),
    reset: () => child.ask<void>('reset'),
    usage: () => child.ask<FakeResendUsage>('usage'),
    close: child.close,
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
  const oneClick = (h: Record<string, string>) =>
    !!h['List-Unsubscribe']?.startsWith('<https://') && h['List-Unsubscribe-Post'] === 'List-Unsubscribe=One-Click';
  serveCommands(
    {
      deliveries: () => [
        ...fake.deliveries().map((d) => ({ to: d.to, oneClick: oneClick(d.headers), via: 'resend', encrypted: false })),
        ...smtpDelivered,
      ],
      reset: () => {
        fake.reset();
        smtpDelivered = [];
        cpuFrom = process.cpuUsage();
      },
      usage: () => {
        const cpu = process.cpuUsage(cpuFrom);
        return { cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: process.memoryUsage().rss, requests: fake.requests().length };
      },
    },
    { url: fake.url, smtpUrl: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}` },
  );
}

if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) {
  runChild().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
