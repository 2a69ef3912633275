// Secrets never come from argv (they would show in `ps` and shell history): the boot PIN comes from PVAULT_PIN,
// basis passwords from PVAULT_PASSWORD, from `--password NAME=ENVVAR`, from `--password-stdin` (one line per
// basis, in the order the bases are named), or from a prompt when stdin is a terminal. A flag's value that may be a
// secret (a password typed where NAME=ENVVAR belongs) is never echoed, nor are basis names (a secret basis's name
// gives it away) in errors: a basis is named by its place in the command; empty passwords are refused.
import password from '@inquirer/password';
import { UsageError, values, flag, type Parsed } from './args.ts';
import { io } from './output.ts';

export function bootPinFromEnv(): string | undefined {
  const pin = process.env.PVAULT_PIN;
  return pin === undefined || pin === '' ? undefined : pin;
}

/** The lines --password-stdin has not used yet, per stdin (a served device runs many commands, each its own stdin). */
const stdinLines = new WeakMap<Buffer, string[]>();

/** Passwords for `names`, in order, from the sources above. */
export async function basisPasswords(p: Parsed, names: string[]): Promise<Map<string, string>> {
  const mapped = new Map<string, string>();
  for (const spec of values(p, 'password')) {
    const eq = spec.indexOf('=');
    // Without NAME=ENVVAR the argument is most likely the password itself: say what is wrong, not what was given.
    if (eq <= 0)
      throw new UsageError(
        '--password takes NAME=ENVVAR (the name of an environment variable, never the password itself)',
      );
    const [name, envVar] = [spec.slice(0, eq), spec.slice(eq + 1)];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envVar)) {
      throw new UsageError("--password NAME=ENVVAR: what follows '=' must be an environment variable name");
    }
    const pw = process.env[envVar];
    if (pw === undefined) throw new UsageError(`--password NAME=${envVar}: ${envVar} is not set`);
    mapped.set(name, nonEmpty(pw, envVar));
  }
  const out = new Map<string, string>();
  for (const [i, name] of names.entries()) {
    const pw = mapped.get(name) ?? (await unmappedPassword(p, name, ordinal(i, names.length), names.length));
    out.set(name, pw);
  }
  return out;
}

async function unmappedPassword(p: Parsed, name: string, which: string, count: number): Promise<string> {
  if (flag(p, 'password-stdin')) {
    const input = io.stdin();
    if (!stdinLines.has(input)) stdinLines.set(input, input.toString('utf8').split(/\r?\n/));
    const line = stdinLines.get(input)!.shift();
    if (line === undefined) throw new UsageError(`--password-stdin: no line left for ${which}`);
    return nonEmpty(line, `--password-stdin (the line for ${which})`);
  }
  const env = process.env.PVAULT_PASSWORD;
  if (env !== undefined && count === 1) return nonEmpty(env, 'PVAULT_PASSWORD');
  if (io.interactive()) {
    return password(
      {
        message: `password for basis '${name}':`,
        mask: false,
        validate: (v) => v.length > 0 || 'a basis password cannot be empty',
      },
      { output: process.stderr },
    );
  }
  throw new UsageError(
    `no password for ${which}: set PVAULT_PASSWORD (one basis), --password NAME=ENVVAR, or --password-stdin`,
  );
}

function ordinal(i: number, count: number): string {
  return count === 1 ? 'the basis' : `basis #${i + 1} of the ${count} named`;
}

function nonEmpty(pw: string, source: string): string {
  if (pw === '') throw new UsageError(`${source} is empty: a basis password cannot be empty`);
  return pw;
}
