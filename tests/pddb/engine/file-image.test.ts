// A file-backed image across process restarts: format a device folder (pddb.bin + keybox.bin) in os.tmpdir(),
// write .System and two secret bases, close; a SEPARATE Node process boots the folder, checks and changes it;
// then this process opens the file again and finds every change. Also: what a sync did not reach is not on disk.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { FileFlash } from '../../../pddb/flash/file.ts';
import { TEST_PDDB_LEN, VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import { expectBytes, expectCode, text, utf8 } from './helpers.ts';

const PIN = 'file-image-pin';
const root = mkdtempSync(join(tmpdir(), 'pvault-file-image-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;

/** Format a device folder: pddb.bin (4 MiB) + keybox.bin. */
function formatFolder(seed: string): string {
  const dir = join(root, `device-${folders++}`);
  mkdirSync(dir);
  const flash = FileFlash.create(join(dir, 'pddb.bin'), TEST_PDDB_LEN);
  const keybox = PddbEngine.format(flash, { pin: PIN, random: new SeededRandom(seed) });
  writeFileSync(join(dir, 'keybox.bin'), keybox);
  flash.close();
  return dir;
}

/** Boot the folder in this process. */
function boot(dir: string, opts: { readonly?: boolean } = {}) {
  const flash = FileFlash.open(join(dir, 'pddb.bin'), opts);
  const engine = PddbEngine.mount(flash, new Uint8Array(readFileSync(join(dir, 'keybox.bin'))), PIN);
  return { flash, engine };
}

const large = new Uint8Array(2 * VPAGE_SIZE + 77).map((_, i) => (i * 13) & 0xff);

describe('file-backed image across process restarts', () => {
  it('format, write, close; another process boots it and changes it; this process finds everything', () => {
    const dir = formatFolder('file-image');
    expect(statSync(join(dir, 'pddb.bin')).size).toBe(TEST_PDDB_LEN);
    expect(statSync(join(dir, 'keybox.bin')).size).toBe(1024);

    // Process 1 (this one): .System and two secret bases.
    {
      const { flash, engine } = boot(dir);
      engine.write(engine.get('shared', 'who', { createDict: true, createKey: true }), 0, utf8('system'));
      engine.createBasis('alpha', 'alpha password');
      engine.createBasis('beta', 'beta password');
      engine.unlockBasis('alpha', 'alpha password');
      engine.write(engine.get('notes', 'n1', { createDict: true, createKey: true }), 0, utf8('alpha note'));
      engine.write(engine.get('shared', 'who', { createDict: true, createKey: true }), 0, utf8('alpha'));
      engine.unlockBasis('beta', 'beta password');
      engine.write(engine.get('blobs', 'large', { createDict: true, createKey: true }), 0, large);
      engine.write(engine.get('blobs', 'small', { createDict: true, createKey: true }), 0, utf8('beta small'));
      engine.close();
      flash.close();
    }

    // Process 2: a real, separate Node process.
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./file-image.child.ts', import.meta.url)), dir, PIN],
      {
        encoding: 'utf8',
        timeout: 60_000,
        cwd: fileURLToPath(new URL('../../../', import.meta.url)), // the project root, where tsx resolves
      },
    );
    expect(child.status, `child failed: ${child.stderr}`).toBe(0);
    const seen = JSON.parse(child.stdout);
    expect(seen.pid).not.toBe(process.pid);
    expect(seen.bootBases).toEqual(['.System']);
    expect(seen.systemDicts).toEqual(['shared']);
    expect(seen.systemShared).toBe('system');
    expect(seen.wrongPassword).toBe('AccessDenied');
    expect(seen.bases).toEqual(['.System', 'alpha', 'beta']);
    expect(seen.union).toEqual(['blobs', 'notes', 'shared']);
    expect(seen.sharedNewest).toBe('alpha'); // beta has no 'shared': alpha's is the newest
    expect(seen.alphaNote).toBe('alpha note');
    expect(seen.betaLargeLength).toBe(large.length);

    // Process 3 (this one again, from the file).
    {
      const { flash, engine } = boot(dir);
      expect(engine.listBasis()).toEqual(['.System']);
      expect(text(engine.readAll(engine.get('shared', 'child')))).toBe(`pid ${seen.pid}`);
      expect(text(engine.readAll(engine.get('shared', 'who')))).toBe('system');
      expectCode(() => engine.unlockBasis('beta', 'alpha password'), 'AccessDenied');
      engine.unlockBasis('beta', 'beta password');
      engine.unlockBasis('alpha', 'alpha password');
      expect(text(engine.readAll(engine.get('notes', 'n1')))).toBe('NOTEa note');
      expect(engine.listKeys('blobs')).toEqual(['small']);
      expect(text(engine.readAll(engine.get('blobs', 'small')))).toBe('beta small');
      engine.close();
      flash.close();
    }

    // A read-only boot can look at everything.
    {
      const { flash, engine } = boot(dir, { readonly: true });
      engine.unlockBasis('alpha', 'alpha password');
      expect(engine.listDicts()).toEqual(['notes', 'shared']);
      flash.close();
    }
  });

  it('only synced data reaches the file: a write without sync is gone after the process "dies"', () => {
    const dir = formatFolder('file-image-unsynced');
    {
      const { flash, engine } = boot(dir);
      engine.createBasis('s', 'pw');
      engine.unlockBasis('s', 'pw');
      engine.write(engine.get('d', 'synced', { createDict: true, createKey: true }), 0, large);
      engine.write(
        engine.get('d', 'sys', { createDict: true, createKey: true, basis: '.System' }),
        0,
        utf8('sys synced'),
      );
      engine.sync();
      engine.write(engine.get('d', 'unsynced', { createKey: true }), 0, utf8('lost'));
      engine.write(engine.get('d', 'synced'), 0, utf8('XXXX')); // not synced either
      flash.close(); // the process dies: no engine.close(), no sync
    }
    {
      const { flash, engine } = boot(dir);
      expect(text(engine.readAll(engine.get('d', 'sys')))).toBe('sys synced');
      engine.unlockBasis('s', 'pw');
      expect(engine.listKeys('d', 's')).toEqual(['synced']);
      expectBytes(engine.readAll(engine.get('d', 'synced', { basis: 's' })), large);
      engine.close();
      flash.close();
    }
  });
});
