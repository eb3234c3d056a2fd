/** Starts the subscriber load generator (`subscriber-load-process.ts`) in a child process. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadRequest, LoadSummary } from './subscriber-load-process';

export type { LoadRequest, LoadSummary, Pattern, Scenario } from './subscriber-load-process';
export { choices } from './subscriber-load-process';

/** The child, forked with tsx's loader; answers one run per message. */
export function startLoadGenerator(): Promise<{
  child: ChildProcess;
  run(request: Omit<LoadRequest, 'type'>): Promise<LoadSummary>;
  stop(): Promise<void>;
}> {
  const child = fork(fileURLToPath(new URL('./subscriber-load-process.ts', import.meta.url)), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  child.on('message', (message: { type: string; summary?: LoadSummary; message?: string }) => {
    const w = waiting;
    waiting = undefined;
    if (message.type === 'error') w?.reject(new Error(`load generator: ${message.message}`));
    else w?.resolve(message.summary);
  });
  child.on('exit', (code) => waiting?.reject(new Error(`load generator exited (${code})`)));
  const next = () => new Promise((resolve, reject) => (waiting = { resolve, reject }));
  return next().then(() => ({
    child,
    run: (request) => {
      const answer = next() as Promise<LoadSummary>;
      child.send({ type: 'run', ...request });
      return answer;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'exit' });
        setTimeout(() => child.kill(), 5_000).unref();
      }),
  }));
}
