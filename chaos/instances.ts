import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Running, runEntry } from '../testkit/process';

export interface InstanceStats {
  index: number;
  port: number;
  starts: number;
  kills: number;
  /** Exits nobody asked for (a crash), with the end of stderr. */
  unexpectedExits: { code: number | null; stderrTail: string }[];
  /** Log lines at error level or worse (pino levels 50 and 60). */
  errorLines: number;
  /** A few of them, for the report. */
  errorSamples: string[];
  /** Milliseconds from spawn to serving, per start that got there. */
  bootMs: number[];
}

interface Instance extends InstanceStats {
  run: Running | undefined;
  state: 'down' | 'booting' | 'ready';
  killedOnPurpose: boolean;
  generation: number;
}

/** True once the process says it serves; false if it exits first (killed while booting, or a crash). */
function untilServing(run: Running): Promise<boolean> {
  const serving = () => run.stdout().includes('is running on');
  if (serving()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onData = () => {
      // The 'data' listener runs after runEntry's, which has appended the chunk.
      if (!serving()) return;
      run.child.stdout!.off('data', onData);
      resolve(true);
    };
    run.child.stdout!.on('data', onData);
    void run.exited.then(() => {
      run.child.stdout!.off('data', onData);
      resolve(false);
    });
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Node instances of src/server.ts (through tsx, as the suite runs entries), each on its own port
 * with the same environment. `kill(i)` is SIGKILL; an instance that exits without being killed
 * is counted as a crash and started again a second later.
 */
export async function createInstances(input: { count: number; env: Record<string, string>; logDir: string }) {
  const instances: Instance[] = [];
  for (let index = 0; index < input.count; index++) {
    instances.push({
      index,
      port: await freePort(),
      starts: 0,
      kills: 0,
      unexpectedExits: [],
      errorLines: 0,
      errorSamples: [],
      bootMs: [],
      run: undefined,
      state: 'down',
      killedOnPurpose: false,
      generation: 0,
    });
  }
  let closing = false;

  const keepLog = (instance: Instance, run: Running, start: number) => {
    const out = run.stdout();
    const err = run.stderr();
    appendFileSync(
      join(input.logDir, `instance-${instance.index}.log`),
      `--- start ${start} ---\n${out}${err ? `--- stderr ---\n${err}` : ''}`,
    );
    for (const line of `${out}\n${err}`.split('\n')) {
      if (!/"level":(50|60)/.test(line)) continue;
      instance.errorLines += 1;
      if (instance.errorSamples.length < 5) instance.errorSamples.push(line.slice(0, 600));
    }
  };

  const start = (instance: Instance): Promise<void> => {
    if (instance.state !== 'down') return Promise.resolve(); // one process per port
    const run = runEntry('src/server.ts', { ...input.env, PORT: String(instance.port) });
    const generation = ++instance.generation;
    instance.run = run;
    instance.state = 'booting';
    instance.killedOnPurpose = false;
    instance.starts += 1;
    const startNumber = instance.starts;
    const spawnedAt = Date.now();
    void run.exited.then((code) => {
      keepLog(instance, run, startNumber);
      if (instance.generation !== generation) return;
      instance.state = 'down';
      instance.run = undefined;
      if (instance.killedOnPurpose || closing) return;
      instance.unexpectedExits.push({ code, stderrTail: run.stderr().slice(-1500) });
      setTimeout(() => {
        if (!closing && instance.state === 'down') void start(instance).catch(() => undefined);
      }, 1000);
    });
    // No deadline here: a slow boot is still a boot (allReady and anyReady bound the waits).
    return untilServing(run).then((serving) => {
      if (!serving || instance.generation !== generation) return;
      instance.state = 'ready';
      instance.bootMs.push(Date.now() - spawnedAt);
    });
  };

  return {
    ports: () => instances.map((i) => i.port),
    urlOf: (index: number) => `http://127.0.0.1:${instances[index]!.port}`,
    readyIndexes: () => instances.filter((i) => i.state === 'ready').map((i) => i.index),
    aliveIndexes: () => instances.filter((i) => i.state !== 'down').map((i) => i.index),
    downIndexes: () => instances.filter((i) => i.state === 'down').map((i) => i.index),
    start: (index: number) => start(instances[index]!),
    startAll: () => Promise.all(instances.map(start)),
    /** SIGKILL: no shutdown handler runs, in-flight work is simply gone. */
    kill(index: number) {
      const instance = instances[index]!;
      if (!instance.run) return false;
      instance.killedOnPurpose = true;
      instance.kills += 1;
      instance.run.child.kill('SIGKILL');
      instance.state = 'down';
      return true;
    },
    /** Waits until every instance is ready, starting the ones that are down. */
    async allReady(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (instances.some((i) => i.state !== 'ready')) {
        for (const instance of instances) if (instance.state === 'down') void start(instance).catch(() => undefined);
        if (Date.now() > deadline)
          throw new Error(`instances not ready after ${timeoutMs} ms: ${instances.map((i) => `${i.index}:${i.state}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    /** Waits until at least one instance serves (starting any that are down). */
    async anyReady(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (!instances.some((i) => i.state === 'ready')) {
        for (const instance of instances) if (instance.state === 'down') void start(instance).catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`no instance ready after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    /** SIGTERM to each (their graceful shutdown), SIGKILL after `graceMs`; the exit codes. */
    async stopAll(graceMs = 15_000): Promise<(number | null)[]> {
      closing = true;
      return Promise.all(
        instances.map(async (instance) => {
          const run = instance.run;
          if (!run) return null;
          run.child.kill('SIGTERM');
          const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
          const code = await run.exited;
          clearTimeout(timer);
          return code;
        }),
      );
    },
    stats: (): InstanceStats[] =>
      instances.map(({ index, port, starts, kills, unexpectedExits, errorLines, errorSamples, bootMs }) => ({
        index,
        port,
        starts,
        kills,
        unexpectedExits,
        errorLines,
        errorSamples,
        bootMs,
      })),
  };
}

export type Instances = Awaited<ReturnType<typeof createInstances>>;
