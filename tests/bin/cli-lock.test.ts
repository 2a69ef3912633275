// One process at a time per device folder: concurrent pvault processes queue with --wait and every acknowledged
// write reads back; a live holder refuses others with DeviceBusy (never ENOENT); a SIGKILLed holder's lock is
// taken over once stale, and one stopped by a signal lets go at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceLock, STALE_MS } from '../../vault/device/device-lock.ts';
import { cli, json, runAsync, workspace } from './pvault-run.ts';

/** Child processes take seconds each on a busy machine: generous, never a timing assertion. */
const SLOW = 180_000;
const ws = workspace();
afterAll(() => ws.cleanup());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the device lock', () => {
  it(
    'N concurrent writers with staggered starts all succeed with --wait, and every value reads back',
    async () => {
      const dev = ws.fresh();
      const n = 5;
      const runs = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          await sleep(i * 120);
          return runAsync(['pddb', 'write', '--dir', dev, '--wait', '120', '--json', `c:k${i}`, `value ${i}`]);
        }),
      );
      runs.forEach((r, i) => expect(r.status, `writer ${i}: ${r.stderr}`).toBe(0));
      expect(json(await cli(['pddb', 'keylist', '--dir', dev, '--json', 'c']))).toEqual(
        Array.from({ length: n }, (_, i) => `k${i}`),
      );
      for (let i = 0; i < n; i++)
        expect((await cli(['pddb', 'query', '--dir', dev, `c:k${i}`])).stdout).toBe(`value ${i}`);
      expect(existsSync(join(dev, 'pvault.lock'))).toBe(false);
    },
    SLOW,
  );

  it(
    'a live holder refuses a second user with DeviceBusy naming it; --wait queues until it lets go',
    async () => {
      const dev = ws.fresh();
      const held = await DeviceLock.acquire(dev);
      const busy = await cli(['pddb', 'basislist', '--dir', dev, '--json']);
      expect(busy.status).toBe(1);
      expect(json(busy).error).toMatchObject({ code: 'DeviceBusy' });
      expect(json(busy).error.message).toMatch(new RegExp(`in use by process ${process.pid}; --wait`));
      const queued = cli(['pddb', 'basislist', '--dir', dev, '--wait', '30']);
      await sleep(500);
      await held.release();
      const r = await queued;
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('.System\n');
    },
    SLOW,
  );

  it(
    'a holder stopped by SIGINT or SIGTERM lets go of the device at once',
    async () => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        const dev = ws.fresh();
        const holder = await startHolder(dev);
        holder.kill(signal);
        const [, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
          holder.once('exit', (c, s) => r([c, s])),
        );
        expect(sig).toBe(signal);
        expect(existsSync(join(dev, 'pvault.lock'))).toBe(false);
        expect((await cli(['pddb', 'basislist', '--dir', dev])).stdout).toBe('.System\n');
      }
    },
    SLOW,
  );

  it(
    "a SIGKILLed holder's lock is refused while fresh and taken over once stale",
    async () => {
      const dev = ws.fresh();
      const holder = await startHolder(dev);
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
      expect(existsSync(join(dev, 'pvault.lock'))).toBe(true);
      const fresh = await cli(['pddb', 'basislist', '--dir', dev, '--json']);
      expect(json(fresh).error.code).toBe('DeviceBusy');
      const r = await cli(['pddb', 'basislist', '--dir', dev, '--wait', String((STALE_MS / 1000) * 6)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('.System\n');
    },
    SLOW,
  );
});

/** A child process holding the device's lock (hold-lock.ts), once it has it. */
async function startHolder(dev: string): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./hold-lock.ts', import.meta.url).pathname, dev],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (d) => String(d).includes('locked') && resolve());
    holder.once('exit', () => reject(new Error('the holder exited before locking')));
  });
  return holder;
}
