// The kill sweep, bounded: real `pvault` processes SIGKILLed mid-write on a real device folder (the long run is
// `node --import tsx scripts/kill-sweep.ts --kills 40`), and the ledger rules it judges the device by.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KillLedger } from '../../scripts/lib/kill-ledger.ts';
import type { KillSweepSummary } from '../../scripts/lib/kill-sweep.ts';

const script = new URL('../../scripts/kill-sweep.ts', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'pvault-kill-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sweep(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
}

describe('kill sweep (bounded run)', () => {
  it('kills writers mid-write (the small/large boundary history, a secret basis) and a concurrent burst: no violation', {
    timeout: 300_000,
  }, () => {
    const r = sweep(['--kills', '2', '--writers', '3', '--seed', 'test', '--dir', join(work, 'run'), '--json']);
    expect(r.stdout.trim(), `the sweep did not run: ${r.stderr}`).not.toBe('');
    const summary = JSON.parse(r.stdout) as KillSweepSummary;
    expect(summary.violations, summary.violations.join('\n')).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
    expect(summary.kills).toBe(2);
    expect(summary.concurrentRuns).toBe(3);
    // Every write the sweep made before its kills (the 8,000- and 46-byte steps, the probe) was acknowledged.
    expect(summary.acknowledged).toBeGreaterThanOrEqual(5);
  });

  it('bad arguments are usage errors (exit 2), before any process is started', () => {
    for (const args of [['--kills', 'many'], ['--kills', '-1'], ['--writers', '1.5'], ['--bogus']]) {
      const r = sweep(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/usage: /);
    }
  });
});

describe('kill ledger', () => {
  const v = (s: string) => new Uint8Array(Buffer.from(s));
  const p = KillLedger.path('.System', 'd', 'k');

  it('an acknowledged value must read back exactly; anything else is a violation', () => {
    const l = new KillLedger();
    l.ack(p, v('old'));
    expect(l.settle(p, v('old'))).toBeNull();
    expect(l.settle(p, v('olx'))).toMatch(/reads 3 bytes.*allowed: 3 bytes/);
    expect(l.settle(p, null)).toMatch(/reads absent/);
    expect(l.settle(p, v('old\0'))).not.toBeNull();
  });

  it('a killed write allows old or new, whole; the value read becomes the acknowledged one', () => {
    const l = new KillLedger();
    l.ack(p, v('old value'));
    l.killed(p, v('new'));
    expect(() => l.current(p)).toThrow(/unresolved/);
    expect(l.settle(p, v('new value')), 'new bytes over the old tail').not.toBeNull();
    expect(l.settle(p, v('new'))).toBeNull();
    expect(l.current(p)).toEqual(v('new'));
    expect(l.settle(p, v('old value')), 'once new was seen, old is no longer allowed').not.toBeNull();
  });

  it('a killed first write allows absent or new', () => {
    const l = new KillLedger();
    l.killed(p, v('first'));
    expect(l.allowed(p)).toEqual([null, v('first')]);
    expect(l.settle(p, null)).toBeNull();
    expect(l.current(p)).toBeNull();
  });
});
