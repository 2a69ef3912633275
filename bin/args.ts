// Command-line parsing over node:util.parseArgs: known flags only, so a typo fails loudly instead of being ignored.
// Two rules on top of it keep user data from being read as flags: everything after `--` is positional, and a
// command may declare where its data begins (`dataFrom`): from that token on, every token is positional, so a value
// such as `-h` is stored, never taken for a flag.
import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';

export interface FlagSpec {
  /** Takes a value (--dir DIR); otherwise a boolean switch. */
  value?: boolean;
  /** The value may be left out (`--wait` or `--wait 30`): only a following number is taken as its value. */
  optionalNumber?: boolean;
  /** May be given several times (values collect in order). */
  repeat?: boolean;
  short?: string;
}

export interface Parsed {
  positionals: string[];
  flags: Map<string, string[] | true>;
}

export interface ParseOptions {
  /** Called with the positionals seen so far: true when the next token starts the command's data. */
  dataFrom?: (positionals: readonly string[]) => boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], specs: Record<string, FlagSpec>, opts: ParseOptions = {}): Parsed {
  const { options: head, data } = split(argv, specs, opts);
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, s] of Object.entries(specs)) {
    options[name] = {
      type: s.value || s.optionalNumber ? 'string' : 'boolean',
      multiple: s.repeat ?? false,
      ...(s.short ? { short: s.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({ args: head, options, allowPositionals: true, strict: true });
  } catch (e) {
    // node's messages name the option, never its value (which may be a secret); keep the first line only.
    throw new UsageError(String((e as Error).message).split(/\.\s|\n/)[0]);
  }
  const flags = new Map<string, string[] | true>();
  for (const [name, v] of Object.entries(parsed.values)) {
    if (v === undefined || v === false) continue;
    if (v === true) flags.set(name, true);
    else if (Array.isArray(v)) flags.set(name, v.map(String));
    else flags.set(name, [String(v)]);
  }
  return { positionals: [...parsed.positionals, ...data], flags };
}

/**
 * Split argv into the part util.parseArgs reads and the data that follows `--` or starts where `dataFrom` says.
 * An optional-number flag given without a number is rewritten to `--flag=` so parseArgs sees an empty value.
 */
function split(
  argv: string[],
  specs: Record<string, FlagSpec>,
  opts: ParseOptions,
): { options: string[]; data: string[] } {
  const takesValue = new Set<string>();
  const optionalNumber = new Set<string>();
  for (const [name, s] of Object.entries(specs)) {
    if (s.value) takesValue.add(`--${name}`), s.short && takesValue.add(`-${s.short}`);
    if (s.optionalNumber) optionalNumber.add(`--${name}`);
  }
  const out: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { options: out, data: argv.slice(i + 1) };
    if (opts.dataFrom?.(positionals)) return { options: out, data: argv.slice(i) };
    if (optionalNumber.has(arg)) {
      const next = argv[i + 1];
      out.push(next !== undefined && /^\d+(\.\d+)?$/.test(next) ? `${arg}=${argv[++i]}` : `${arg}=`);
    } else if (takesValue.has(arg)) {
      out.push(arg);
      if (i + 1 < argv.length) out.push(argv[++i]);
    } else {
      out.push(arg);
      if (!arg.startsWith('-') || arg === '-') positionals.push(arg);
    }
  }
  return { options: out, data: [] };
}

export function flag(p: Parsed, name: string): boolean {
  return p.flags.get(name) === true;
}

export function value(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return v === undefined || v === true ? undefined : v[v.length - 1];
}

export function values(p: Parsed, name: string): string[] {
  const v = p.flags.get(name);
  return v === undefined || v === true ? [] : v;
}
