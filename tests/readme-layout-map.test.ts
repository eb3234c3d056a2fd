import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../testkit/process';

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('## ', readme.indexOf('## Layout') + 3));
/** The paths the map names, one at the start of each line. */
const named = [...layout.matchAll(/^([\w./<>-]+\/?)\s/gm)].map((m) => m[1]!).filter((p) => p.includes('/') || p.includes('.'));

describe("the README's layout map", () => {
  it('names only paths that exist', () => {
    expect(named.length).toBeGreaterThan(20);
    for (const path of named) {
      const real = path.replace('<resource>', readdirSync(join(projectRoot, 'src/routes'))[0]!);
      expect(existsSync(join(projectRoot, real)), path).toBe(true);
    }
  });

  it('names every folder of src/ and every top-level folder of the project', () => {
    const folders = (dir: string): string[] =>
      readdirSync(join(projectRoot, dir))
        .filter((name) => statSync(join(projectRoot, dir, name)).isDirectory())
        .map((name) => `${dir}/${name}`);
    const expected = [
      ...folders('src').filter((f) => !['src/routes'].includes(f)),
      'src/alerts/webhooks/http',
      'src/db/queue',
      'src/routes/<resource>',
      ...['migrations', 'tests', 'testkit', 'bench', 'chaos', 'scripts'],
    ];
    for (const folder of expected) {
      const listed = named.some((p) => p.replace(/\/$/, '') === folder || p.startsWith(`${folder}/`));
      expect(listed, `${folder} is missing from the layout map`).toBe(true);
    }
  });
});
