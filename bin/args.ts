// A small, strict argument parser: known flags only, so a typo fails loudly instead of being ignored.
export interface FlagSpec {
  /** Takes a value (--dir DIR); otherwise a boolean switch. */
  value?: boolean;
  /** May be given several times (values collect in order). */
  repeat?: boolean;
  short?: string;
}

export interface Parsed {
  positionals: string[];
  flags: Map<string, string[] | true>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], specs: Record<string, FlagSpec>): Parsed {
  const positionals: string[] = [];
  const flags = new Map<string, string[] | true>();
  const byShort = new Map(Object.entries(specs).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      const long = byShort.get(arg.slice(1));
      if (!long) throw new UsageError(`unknown option ${arg}`);
      name = long;
    }
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    const prev = flags.get(name);
    if (prev && prev !== true && spec.repeat) prev.push(value);
    else if (prev && !spec.repeat) throw new UsageError(`--${name} given twice`);
    else flags.set(name, [value]);
  }
  return { positionals, flags };
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
