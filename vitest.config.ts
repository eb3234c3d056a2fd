import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // On PGlite: initdb and the migrations once per run, each file's database a copy of that.
    globalSetup: ['testkit/pglite-template.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file opens its own database (PGlite in memory, or its own PostgreSQL schema).
    fileParallelism: true,
    // Vitest's default is one worker on a 2-core machine; much of this suite waits on I/O.
    maxWorkers: 2,
    // A worker keeps its imported modules from one file to the next (Vitest's "Improving
    // Performance" guide): the suite relies on no module state, each file opens its own database,
    // app and servers and closes them. Isolated, every file imported the app again (182 s summed).
    isolate: false,
  },
});
