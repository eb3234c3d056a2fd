import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/**
 * An operator command's flags. `--help` prints the usage; a flag it does not know, or a missing
 * value, prints what was wrong and the usage on stderr and exits 2, without a stack trace.
 */
export function commandFlags<T extends ParseArgsOptionsConfig>(usage: string, options: T) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: ${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nusage: ${usage}\n`);
    process.exit(2);
  }
}
