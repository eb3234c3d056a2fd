/** Webhook receivers in a worker thread (see `webhook-receivers-thread.ts`), driven from here. */
import { Worker } from 'node:worker_threads';
import type { Collected, ReceiverCommand, ReceiverCounts, ReceiverReply } from './webhook-receivers-thread';

export type { Collected };

function ask<C extends ReceiverCommand['cmd']>(worker: Worker, msg: ReceiverCommand & { cmd: C }): Promise<ReceiverReply & { cmd: C }> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: ReceiverReply) => {
      if (reply.cmd !== msg.cmd) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(reply as ReceiverReply & { cmd: C });
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(msg);
  });
}

export class WebhookReceivers {
  private constructor(
    private readonly worker: Worker,
    readonly urls: string[],
  ) {}

  /** One receiver per delay (ms before it answers 200). */
  static async start(delays: readonly number[]): Promise<WebhookReceivers> {
    const worker = new Worker(new URL('./webhook-receivers-thread.ts', import.meta.url));
    const reply = await ask(worker, { cmd: 'start', delays: [...delays] });
    return new WebhookReceivers(worker, (reply as { urls: string[] }).urls);
  }

  async setSecrets(secrets: readonly string[]): Promise<void> {
    await ask(this.worker, { cmd: 'secrets', secrets: [...secrets] });
  }

  async counts(): Promise<ReceiverCounts[]> {
    return ((await ask(this.worker, { cmd: 'counts' })) as { counts: ReceiverCounts[] }).counts;
  }

  /** What arrived since the last collect (and resets the counters). */
  async collect(): Promise<Collected[]> {
    return ((await ask(this.worker, { cmd: 'collect' })) as { receivers: Collected[] }).receivers;
  }

  async close(): Promise<void> {
    await ask(this.worker, { cmd: 'close' });
    await this.worker.terminate();
  }
}
