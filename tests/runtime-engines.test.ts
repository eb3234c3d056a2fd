import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../testkit/process';

const read = (file: string) => JSON.parse(readFileSync(join(projectRoot, file), 'utf8'));
const pkg = read('package.json');
const lock = read('package-lock.json') as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean }>;
};

describe('runtime pins', () => {
  it('runs the scripts on Node 24 LTS through the node@24 devDependency, and declares engines >= 22.19', () => {
    expect(pkg.devDependencies.node).toMatch(/^\^?24\./);
    expect(pkg.engines.node).toBe('>=22.19');
    expect(readFileSync(join(projectRoot, '.nvmrc'), 'utf8').trim()).toBe('24');
    expect(process.versions.node.split('.')[0]).toBe('24'); // npm test put node@24 first on PATH
  });

  it('every locked dependency accepts both the lowest declared Node and the pinned one', () => {
    const pinned = lock.packages['node_modules/node']!.version!;
    const lowest = semver.minVersion(pkg.engines.node)!.version;
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      // Optional platform builds that npm did not install here (wasm fallbacks) never run.
      if (!path || !range || (entry.optional && !existsSync(join(projectRoot, path)))) continue;
      for (const version of [lowest, pinned]) {
        if (!semver.satisfies(version, range, { includePrerelease: true })) refusing.push(`${path} (${range}) refuses ${version}`);
      }
    }
    expect(refusing).toEqual([]);
  });
});
