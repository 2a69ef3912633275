// The device folder as found: never formatted over half a device; damaged or foreign files named with what was
// expected and what was found; --size bounded by the format and the disk.
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyRomLoc, writeWord } from '../../pddb/keys/keyrom.ts';
import { cli, json, workspace } from './pvault-run.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

describe('the device folder', () => {
  it('an image without a keybox (even an unrelated file named pddb.bin) is never formatted over', async () => {
    const dev = join(ws.root, 'image-only');
    mkdirSync(dev);
    const unrelated = Buffer.from('my thesis, not a PDDB image\n'.repeat(200));
    writeFileSync(join(dev, 'pddb.bin'), unrelated);
    for (const args of [['init', '--size', '4MiB'], ['start'], ['pddb', 'basislist']]) {
      const r = await cli([...args, '--dir', dev, '--json']);
      expect(r.status, args.join(' ')).toBe(1);
      expect(json(r).error.code).toBe('IncompleteDevice');
      expect(json(r).error.message).toMatch(/holds pddb\.bin but no keybox\.bin/);
    }
    expect(readFileSync(join(dev, 'pddb.bin')).equals(unrelated)).toBe(true);
    const forced = await cli(['init', '--dir', dev, '--size', '4MiB', '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(statSync(join(dev, 'pddb.bin')).size).toBe(4 * 1024 * 1024);
  });

  it('a keybox without an image is refused the same way', async () => {
    const dev = ws.fresh();
    rmSync(join(dev, 'pddb.bin'));
    const keybox = readFileSync(join(dev, 'keybox.bin'));
    const r = await cli(['init', '--dir', dev, '--size', '4MiB', '--json']);
    expect(json(r).error).toMatchObject({ code: 'IncompleteDevice' });
    expect(json(r).error.message).toMatch(/holds keybox\.bin but no pddb\.bin/);
    expect(readFileSync(join(dev, 'keybox.bin')).equals(keybox)).toBe(true);
  });

  it('damaged device files: which file, what was expected, what was found', async () => {
    const cases: [string, (dev: string) => void, RegExp][] = [
      [
        'keybox a directory',
        (d) => (rmSync(join(d, 'keybox.bin')), mkdirSync(join(d, 'keybox.bin'))),
        /keybox\.bin: expected the keybox as a regular file, found a directory/,
      ],
      [
        'keybox truncated',
        (d) => writeFileSync(join(d, 'keybox.bin'), readFileSync(join(d, 'keybox.bin')).subarray(0, 100)),
        /keybox\.bin: expected 1024 bytes, found 100/,
      ],
      [
        'keybox not provisioned',
        (d) => writeFileSync(join(d, 'keybox.bin'), new Uint8Array(1024)),
        /keybox\.bin: the CONFIG word \(255\) does not mark a provisioned keyrom/,
      ],
      [
        'keybox key words erased',
        (d) => eraseUserKey(join(d, 'keybox.bin')),
        /keybox\.bin: the User0 key words \(40\.\.47\) are erased/,
      ],
      [
        'image truncated',
        (d) => writeFileSync(join(d, 'pddb.bin'), readFileSync(join(d, 'pddb.bin')).subarray(0, 5000)),
        /pddb\.bin: expected a whole number of 4096-byte pages, found 5000 bytes/,
      ],
      ['keybox unreadable', (d) => chmodSync(join(d, 'keybox.bin'), 0), /keybox\.bin: cannot be read/],
    ];
    for (const [what, damage, message] of cases) {
      if (what === 'keybox unreadable' && process.getuid?.() === 0) continue; // root reads any file
      const dev = ws.fresh();
      damage(dev);
      const r = await cli(['pddb', 'basislist', '--dir', dev, '--json']);
      expect(r.status, what).toBe(1);
      expect(json(r).error.code, what).toBe('BadDeviceFile');
      expect(json(r).error.message, what).toMatch(message);
    }
  });

  it('--size: bounded by the format and the disk; anything unparsable is a usage error', async () => {
    const dev = join(ws.root, 'sizes');
    for (const size of ['200000MiB', 'abc', '4097', '12.5MiB', '-1', '0']) {
      const r = await cli(['init', '--dir', dev, '--size', size, '--json']);
      expect(r.status, size).toBe(2);
      expect(json(r).error.code).toBe('Usage');
    }
    const tooBig = await cli(['init', '--dir', dev, '--size', '5GiB', '--json']);
    expect(json(tooBig).error.message).toMatch(/--size must be between 1048576 and \d+ bytes/);
  });

  it('start boots an existing device and prints its state and the boot trace', async () => {
    const dev = ws.fresh();
    const r = await cli(['start', '--dir', dev, '--json']);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const doc = json(r);
    expect(doc.bases).toEqual(['.System']);
    expect(doc.trace.length).toBeGreaterThan(0);
  });
});

function eraseUserKey(path: string): void {
  const keybox = new Uint8Array(readFileSync(path));
  for (let w = 0; w < 8; w++) writeWord(keybox, KeyRomLoc.USER_KEY + w, 0xffffffff);
  writeFileSync(path, keybox);
}
