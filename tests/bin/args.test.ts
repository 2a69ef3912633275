// Argument parsing: known flags only, data slots and `--` keep flag-like values as data, messages never echo a
// value, --wait's optional number, --size's bounds.
import { describe, expect, it } from 'vitest';
import { flag, parseArgs, value, values, UsageError } from '../../bin/args.ts';
import { formatMaxSize, sizeOf } from '../../bin/commands/init.ts';
import { computeLayout } from '../../pddb/format/layout.ts';

const specs = {
  dir: { value: true },
  json: {},
  help: { short: 'h' },
  wait: { optionalNumber: true },
  basis: { value: true, repeat: true },
};
const afterTwo = { dataFrom: (pos: readonly string[]) => pos.length >= 3 };

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no usage error');
}

describe('parseArgs', () => {
  it('reads flags anywhere before the data, repeats in order, and short forms', () => {
    const p = parseArgs(['--dir', 'd', 'write', '--basis', 'a', 'k', '--basis=b', '-h'], specs);
    expect(p.positionals).toEqual(['write', 'k']);
    expect(value(p, 'dir')).toBe('d');
    expect(values(p, 'basis')).toEqual(['a', 'b']);
    expect(flag(p, 'help')).toBe(true);
  });

  it('from the data slot on, and after --, every word is data', () => {
    const p = parseArgs(['write', 'D', 'k', 'pw', '-h', '--json'], specs, afterTwo);
    expect(p.positionals).toEqual(['write', 'D', 'k', 'pw', '-h', '--json']);
    expect(flag(p, 'help')).toBe(false);
    const q = parseArgs(['--json', '--', '--dir', '-h'], specs);
    expect(q.positionals).toEqual(['--dir', '-h']);
    expect(flag(q, 'json')).toBe(true);
  });

  it('--wait takes a number only when one follows', () => {
    expect(value(parseArgs(['--wait', 'x'], specs), 'wait')).toBe('');
    expect(parseArgs(['--wait', 'x'], specs).positionals).toEqual(['x']);
    expect(value(parseArgs(['--wait', '2.5'], specs), 'wait')).toBe('2.5');
    expect(value(parseArgs(['--wait'], specs), 'wait')).toBe('');
  });

  it('unknown flags, missing values and values given to switches are usage errors that never echo a value', () => {
    expect(usage(() => parseArgs(['--bogus=hunter2'], specs))).not.toContain('hunter2');
    expect(usage(() => parseArgs(['--json=hunter2'], specs))).not.toContain('hunter2');
    expect(usage(() => parseArgs(['--dir'], specs))).toMatch(/--dir/);
    expect(usage(() => parseArgs(['-x'], specs))).toMatch(/-x/);
  });
});

describe('--size', () => {
  it('takes bytes and binary units, bounded by 1 MiB and the 2^20 data pages the format addresses', () => {
    expect(sizeOf('4MiB', undefined)).toBe(4 << 20);
    expect(sizeOf('1048576', undefined)).toBe(1 << 20);
    expect(sizeOf(undefined, 'test')).toBe(4 << 20);
    const max = formatMaxSize();
    expect(computeLayout(max).dataPages).toBe(2 ** 20);
    expect(computeLayout(max + 4096).dataPages).toBeGreaterThan(2 ** 20);
    expect(sizeOf(String(max), undefined)).toBe(max);
    expect(usage(() => sizeOf(String(max + 4096), undefined))).toMatch(/between/);
    for (const bad of ['200000MiB', '1KiB', '4097', 'abc', '1e9', ' 4MiB', '99999999999999999999'])
      usage(() => sizeOf(bad, undefined));
    usage(() => sizeOf('4MiB', 'test'));
    usage(() => sizeOf(undefined, 'huge'));
  });
});
