/**
 * Commands served in a child process or a worker thread and asked from here by name, one answer
 * per ask: how the benches keep a fake Resend, the tracker site, webhook receivers or a load
 * generator off the event loop they measure. The other side is a module file that calls
 * `serveCommands` when it runs as the child (forked with the parent's exec arguments, tsx
 * included) or as the worker.
 */
import { fork } from 'node:child_process';
import { parentPort, Worker } from 'node:worker_threads';

type Message = { id: number; cmd?: string; arg?: unknown; value?: unknown; error?: string };

/** The other side: answers each ask with its command's value, or its error; `hello` is sent first. */
export function serveCommands(commands: Record<string, (arg: never) => unknown>, hello?: unknown): void {
  const send = (m: Message) => (parentPort ? parentPort.postMessage(m) : process.send?.(m));
  (parentPort ?? process).on('message', async ({ id, cmd, arg }: Message) => {
    try {
      send({ id, value: await commands[cmd!]!(arg as never) });
    } catch (error) {
      send({ id, error: (error as Error).stack ?? String(error) });
    }
  });
  if (!parentPort) process.on('disconnect', () => process.exit(0)); // the parent has gone
  send({ id: 0, value: hello });
}

/** `file` as a child process run with `args`, or (`thread`) as a worker; once it has said hello. */
export async function startServed<Hello = undefined>(file: string, o: { args?: string[]; thread?: boolean } = {}) {
  const other = o.thread ? new Worker(file) : fork(file, o.args ?? [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, [(value: unknown) => void, (error: Error) => void]>();
  other.on('message', ({ id, value, error }: Message) => {
    const [resolve, reject] = waiting.get(id) ?? [];
    waiting.delete(id);
    if (error === undefined) resolve?.(value);
    else reject?.(new Error(error));
  });
  const exited = new Promise<void>((resolve) =>
    other.once('exit', (code) => {
      for (const [, reject] of waiting.values()) reject(new Error(`${file} exited (${code})`));
      waiting.clear();
      resolve();
    }),
  );
  let next = 0;
  const ask = <T>(cmd?: string, arg?: unknown) => {
    const id = next++;
    const answer = new Promise<T>((resolve, reject) => waiting.set(id, [resolve as (value: unknown) => void, reject]));
    if (cmd !== undefined) other instanceof Worker ? other.postMessage({ id, cmd, arg }) : other.send({ id, cmd, arg });
    return answer;
  };
  const hello = await ask<Hello>();
  return {
    hello,
    ask,
    /** The child's process id (a worker's is this process's). */
    pid: other instanceof Worker ? process.pid : other.pid!,
    close: async () => {
      if (other instanceof Worker) await other.terminate();
      else if (other.exitCode === null && other.signalCode === null) {
        other.kill();
        await exited;
      }
    },
  };
}
