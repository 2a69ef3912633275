// The pvault verbs and arguments, run in this process through bin/main.ts (the binary's code) on real device
// folders, each test on its own copy; cli.test.ts runs the real binary for what needs a process.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeHostedKeys } from '../../pddb/hosted-dump.ts';
import { cli, json, workspace } from './pvault-run.ts';

const ws = workspace();
afterAll(() => ws.cleanup());
const mode = (path: string) => statSync(path).mode & 0o777;

describe('pvault verbs, in process', () => {
  it("write creates or replaces (the original's File::create); writeover writes over the start and keeps the tail", async () => {
    const dev = ws.fresh();
    expect((await cli(['pddb', 'write', '--dir', dev, 'notes:todo', 'buy', 'milk'])).status).toBe(0);
    expect((await cli(['pddb', 'query', '--dir', dev, 'notes:todo'])).stdout).toBe('buy milk');
    expect((await cli(['pddb', 'write', '--dir', dev, 'notes', 'todo', 'tea'])).status).toBe(0);
    expect((await cli(['pddb', 'query', '--dir', dev, 'notes:todo'])).stdout).toBe('tea');
    expect((await cli(['pddb', 'write', '--dir', dev, 'notes:todo', 'buy milk'])).status).toBe(0);
    expect((await cli(['pddb', 'writeover', '--dir', dev, 'notes:todo', 'eggs'])).status).toBe(0);
    expect((await cli(['pddb', 'query', '--dir', dev, 'notes:todo', '--hex'])).stdout.trim()).toBe(
      Buffer.from('eggsmilk').toString('hex'),
    );
    expect((await cli(['pddb', 'writeover', '--dir', dev, 'notes:empty'])).status).toBe(0);
    expect(json(await cli(['pddb', 'query', '--dir', dev, '--json', 'notes:empty'])).len).toBe(0);
    expect(json(await cli(['pddb', 'keylist', '--dir', dev, 'notes', '--json']))).toEqual(['empty', 'todo']);
  });

  it('values that look like flags are data: after DICT:KEY, and after --', async () => {
    const dev = ws.fresh();
    const w = await cli(['pddb', 'writeover', '--dir', dev, 'D:notes', 'pw', '-h']);
    expect(w.status, w.stderr).toBe(0);
    expect(w.stdout).not.toMatch(/usage/);
    expect((await cli(['pddb', 'query', '--dir', dev, 'D:notes'])).stdout).toBe('pw -h');
    expect((await cli(['pddb', 'write', '--dir', dev, 'D', 'help', '--help'])).status).toBe(0);
    expect((await cli(['pddb', 'query', '--dir', dev, 'D:help'])).stdout).toBe('--help');
    expect((await cli(['pddb', 'write', '--dir', dev, '--', 'D:json', '--json'])).status).toBe(0);
    expect((await cli(['pddb', 'query', '--dir', dev, 'D:json'])).stdout).toBe('--json');
    expect((await cli(['pddb', 'query', '--dir', dev, '--', '-k:x'])).status).toBe(1); // a name, looked up, not a flag
  });

  it('copy, default, flush/sync/cleanup, keydelete; large values round-trip byte for byte', async () => {
    const dev = ws.fresh();
    const blob = new Uint8Array(20_000).map((_, i) => (i * 7) & 0xff);
    writeFileSync(join(ws.root, 'blob'), blob);
    expect((await cli(['pddb', 'write', '--dir', dev, '--file', join(ws.root, 'blob'), 'notes:blob'])).status).toBe(0);
    expect((await cli(['pddb', 'copy', '--dir', dev, 'notes:blob', 'other:blob'])).status).toBe(0);
    const q = json(await cli(['pddb', 'query', '--dir', dev, 'other:blob', '--json']));
    expect(Buffer.from(q.base64, 'base64').equals(blob)).toBe(true);
    const out = join(ws.root, 'out.bin');
    writeFileSync(out, 'old', { mode: 0o644 });
    chmodSync(out, 0o644);
    expect((await cli(['pddb', 'query', '--dir', dev, '--out', out, 'notes:blob'])).status).toBe(0);
    expect(readFileSync(out).equals(blob)).toBe(true);
    expect(mode(out)).toBe(0o600);
    expect((await cli(['pddb', 'default', '--dir', dev])).stdout).toMatch(/default basis is: \.System/);
    for (const verb of ['flush', 'sync', 'cleanup'])
      expect((await cli(['pddb', verb, '--dir', dev])).stdout).toBe('synced\n');
    expect((await cli(['pddb', 'keydelete', '--dir', dev, 'notes:blob'])).status).toBe(0);
    expect(json(await cli(['pddb', 'keylist', '--dir', dev, 'notes', '--json']))).toEqual([]);
  });

  it('never echoes a password given on argv; refuses empty passwords from every source', async () => {
    const dev = ws.fresh();
    const misuse = await cli(['pddb', 'basiscreate', '--dir', dev, '--password', 's3cret-value', 'b']);
    expect(misuse.status).toBe(2);
    expect(misuse.stdout + misuse.stderr).not.toContain('s3cret-value');
    const misuse2 = await cli(['pddb', 'basiscreate', '--dir', dev, '--password=b=not an env name', 'b']);
    expect(misuse2.status).toBe(2);
    expect(misuse2.stdout + misuse2.stderr).not.toContain('not an env name');
    const empty = await cli(['pddb', 'basiscreate', '--dir', dev, 'b'], { PVAULT_PASSWORD: '' });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/PVAULT_PASSWORD is empty: a basis password cannot be empty/);
    expect((await cli(['pddb', 'basiscreate', '--dir', dev, '--password', 'b=EMPTY', 'b'], { EMPTY: '' })).status).toBe(
      2,
    );
  });

  it('after many wrong PINs every attempt waits, the right PIN too, with a clear error', async () => {
    const dev = ws.fresh();
    writeFileSync(join(dev, 'pin-attempts'), `10 ${Date.now()}\n`, { mode: 0o600 });
    const r = await cli(['pddb', 'basislist', '--dir', dev, '--json']);
    expect(r.status).toBe(1);
    expect(json(r).error).toMatchObject({ code: 'PinThrottled' });
    expect(json(r).error.message).toMatch(/10 wrong boot PINs in a row: the next attempt is allowed in \d+ s/);
  });

  it('exports a hosted dump: the image byte for byte and a 0600 key file, even over a looser existing one', async () => {
    const dev = ws.fresh();
    expect((await cli(['pddb', 'basiscreate', '--dir', dev, 'hidden'], { PVAULT_PASSWORD: 'pw-one' })).status).toBe(0);
    const out = join(ws.root, 'dump');
    writeFileSync(`${out}.key`, 'old', { mode: 0o644 });
    chmodSync(`${out}.key`, 0o644);
    const r = await cli(['export', 'hosted-dump', '--dir', dev, '--out', out, '--basis', 'hidden'], {
      PVAULT_PASSWORD: 'pw-one',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(`${out}.bin`).equals(readFileSync(join(dev, 'pddb.bin')))).toBe(true);
    expect([mode(`${out}.key`), mode(`${out}.bin`)]).toEqual([0o600, 0o600]);
    const bases = decodeHostedKeys(new Uint8Array(readFileSync(`${out}.key`)));
    expect(bases.map((b) => b.name)).toEqual(['.System', 'hidden']);
  });

  it('usage errors exit 2 with a message; unknown commands, verbs and options are refused', async () => {
    const dev = ws.fresh();
    expect((await cli(['nonsense'])).status).toBe(2);
    expect((await cli(['pddb', 'query', '--dir', dev, '--bogus'])).status).toBe(2);
    expect((await cli(['pddb', 'frobnicate', '--dir', dev])).status).toBe(2);
    expect((await cli(['pddb', 'query', '--dir', dev, 'a:b', 'extra'])).status).toBe(2);
    const bad = await cli(['pddb', 'query', '--dir', dev, '--bogus=s3cret', 'a:b']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).not.toContain('s3cret');
    const noDevice = await cli(['pddb', 'basislist', '--dir', join(ws.root, 'none')]);
    expect(existsSync(join(ws.root, 'none'))).toBe(false);
    expect(noDevice.status).toBe(2);
    expect(noDevice.stderr).toMatch(/pvault init/);
  });

  it('secret bases: passwords from the environment or a mapping; invisible when locked; basisdelete', async () => {
    const dev = ws.fresh();
    expect((await cli(['pddb', 'basiscreate', '--dir', dev, 'hidden'], { PVAULT_PASSWORD: 'pw-one' })).status).toBe(0);
    expect(
      (await cli(['pddb', 'writeover', '--dir', dev, '--basis', 'hidden', 'vault:site', 'secret'], { MYPW: 'pw-one' }))
        .status,
    ).toBe(2);
    const w = await cli(
      ['pddb', 'writeover', '--dir', dev, '--basis', 'hidden', '--password', 'hidden=MYPW', 'vault:site', 'secret'],
      { MYPW: 'pw-one' },
    );
    expect(w.status, w.stderr).toBe(0);
    expect(json(await cli(['pddb', 'dictlist', '--dir', dev, '--json']))).toEqual([]);
    expect(
      json(await cli(['pddb', 'dictlist', '--dir', dev, '--basis', 'hidden', '--json'], { PVAULT_PASSWORD: 'pw-one' })),
    ).toEqual(['vault']);
    const wrong = await cli(['pddb', 'dictlist', '--dir', dev, '--basis', 'hidden', '--json'], {
      PVAULT_PASSWORD: 'nope',
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stdout + wrong.stderr).not.toContain('nope');
    expect(wrong.stdout + wrong.stderr).not.toContain('hidden');
    expect((await cli(['pddb', 'basiscreate', '--dir', dev, 'temp'], { PVAULT_PASSWORD: 'tpw' })).status).toBe(0);
    expect((await cli(['pddb', 'basisdelete', '--dir', dev, 'temp'], { PVAULT_PASSWORD: 'tpw' })).status).toBe(0);
    expect(
      (await cli(['pddb', 'basisunlock', '--dir', dev, 'temp', '--json'], { PVAULT_PASSWORD: 'tpw' })).status,
    ).toBe(1);
  });

  it('--help on every command', async () => {
    for (const c of ['init', 'start', 'pddb', 'export']) {
      const r = await cli([c, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/usage: pvault/);
    }
  });

  it('a write that fails at the final sync reports only the failure, and the key keeps its old value', async () => {
    const dev = ws.fresh();
    expect((await cli(['pddb', 'write', '--dir', dev, 'notes:big', 'old'])).status).toBe(0);
    const big = join(ws.root, 'too-big');
    writeFileSync(big, new Uint8Array(3_900_000).fill(1)); // more than a 4 MiB device holds
    const t = await cli(['pddb', 'write', '--dir', dev, '--file', big, 'notes:big']);
    expect(t.status).toBe(1);
    expect(t.stdout).toBe('');
    expect(t.stderr).toMatch(/NoFreeSpace/);
    expect((await cli(['pddb', 'query', '--dir', dev, 'notes:big'])).stdout).toBe('old');
  });

  it('a generated PIN is kept 0600 and every boot that uses it says what that gives away', async () => {
    const dev = join(ws.root, 'generated-pin');
    const init = await cli(['init', '--dir', dev, '--size', '4MiB', '--json'], { PVAULT_PIN: undefined });
    expect(init.status, init.stderr).toBe(0);
    const { pin, pinGenerated } = json(init);
    expect(pinGenerated).toBe(true);
    expect(readFileSync(join(dev, 'boot-pin.emulator-only'), 'utf8')).toBe(`${pin}\n`);
    expect(mode(join(dev, 'boot-pin.emulator-only'))).toBe(0o600);
    const r = await cli(['pddb', 'basislist', '--dir', dev], { PVAULT_PIN: undefined });
    expect(r.stdout).toBe('.System\n');
    expect(r.stderr).toMatch(/anyone who copies the folder can open \.System without knowing the PIN\. Set PVAULT_PIN/);
    expect(r.stderr).not.toContain(pin);
    expect((await cli(['pddb', 'basislist', '--dir', dev], { PVAULT_PIN: pin })).stderr).toBe('');
  });
});

describe('large values through the CLI', () => {
  it('a value over the free-space cache (~8 MiB) is refused with what to do, and written with --all-bases-present', async () => {
    const dev = join(ws.root, 'big-dev');
    expect((await cli(['init', '--dir', dev, '--size', '98MiB'])).status).toBe(0);
    const file = join(ws.root, 'big.bin');
    const value = Buffer.alloc(12_000_000);
    for (let i = 0; i < value.length; i += 4) value.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(file, value);
    const dry = await cli(['pddb', 'write', '--dir', dev, '--json', '--file', file, 'big:v']);
    expect(dry.status).toBe(1);
    expect(json(dry).error).toMatchObject({
      code: 'NoFreeSpace',
      message: expect.stringMatching(/--all-bases-present/),
    });
    const w = await cli(['pddb', 'write', '--dir', dev, '--all-bases-present', '--file', file, 'big:v']);
    expect(w.status, w.stderr).toBe(0);
    const out = join(ws.root, 'big.out');
    expect((await cli(['pddb', 'query', '--dir', dev, '--out', out, 'big:v'])).status).toBe(0);
    expect(readFileSync(out).equals(value)).toBe(true);
  });
});
