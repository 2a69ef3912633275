// Argument parsing shared by the sweep scripts: node:util.parseArgs, strict, with whole-number options checked
// here so that '--kills 1e3', '--kills -1' or '--kills ""' are usage errors (exit 2), never NaN or 0 in disguise.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class ScriptUsageError extends Error {
  override name = 'ScriptUsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parse `argv` against `options` (no positionals); unknown flags and missing values become ScriptUsageError. */
export function parseScriptArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new ScriptUsageError((e as Error).message);
  }
}

/** A whole number option: `fallback` when absent, at least `min`. */
export function wholeNumber(raw: string | undefined, name: string, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new ScriptUsageError(`--${name} takes a whole number >= ${min} (got '${raw}')`);
  }
  return Number(raw);
}

/** Run `main`; a usage error prints `usage` and exits 2. */
export async function runScript(usage: string, main: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (e) {
    if (!(e instanceof ScriptUsageError)) throw e;
    console.error(`${e.message}\n\n${usage}`);
    process.exitCode = 2;
  }
}
