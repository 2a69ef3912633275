// Secrets never come from argv (they would show in `ps` and shell history): the boot PIN comes from PVAULT_PIN,
// basis passwords from PVAULT_PASSWORD, from `--password NAME=ENVVAR`, from `--password-stdin` (one line per
// basis, in the order the bases are named), or from a prompt when stdin is a terminal.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError, values, flag, type Parsed } from './args.ts';

export function bootPinFromEnv(): string | undefined {
  const pin = process.env.PVAULT_PIN;
  return pin === undefined || pin === '' ? undefined : pin;
}

let stdinLines: string[] | null = null;

/** Passwords for `names`, in order, from the sources above. */
export async function basisPasswords(p: Parsed, names: string[]): Promise<Map<string, string>> {
  const mapped = new Map<string, string>();
  for (const spec of values(p, 'password')) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--password takes NAME=ENVVAR (got '${spec.slice(0, 40)}')`);
    const [name, envVar] = [spec.slice(0, eq), spec.slice(eq + 1)];
    const pw = process.env[envVar];
    if (pw === undefined) throw new UsageError(`--password ${name}=${envVar}: ${envVar} is not set`);
    mapped.set(name, pw);
  }
  const out = new Map<string, string>();
  for (const name of names) {
    const pw = mapped.get(name) ?? (await unmappedPassword(p, name, names.length));
    out.set(name, pw);
  }
  return out;
}

async function unmappedPassword(p: Parsed, name: string, count: number): Promise<string> {
  if (flag(p, 'password-stdin')) {
    stdinLines ??= readFileSync(0, 'utf8').split(/\r?\n/);
    const line = stdinLines.shift();
    if (line === undefined) throw new UsageError(`--password-stdin: no line left for basis '${name}'`);
    return line;
  }
  const env = process.env.PVAULT_PASSWORD;
  if (env !== undefined && count === 1) return env;
  if (process.stdin.isTTY) return prompt(`password for basis '${name}': `);
  throw new UsageError(
    `no password for basis '${name}': set PVAULT_PASSWORD (one basis), --password ${name}=ENVVAR, or --password-stdin`,
  );
}

/** Read a line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    out._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
