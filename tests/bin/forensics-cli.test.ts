// `pvault forensics inspect`: the boot-PIN holder's view of a real device folder's image, as a user runs it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, json, run, workspace } from './pvault-run.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

describe('pvault forensics inspect', () => {
  it('classes every data page; with a locked secret basis no Used record or log shows; the image is not written', { timeout: 120_000 }, () => {
    const dev = ws.fresh();
    expect(run(['pddb', 'write', '--dir', dev, 'notes:todo', 'buy milk']).status).toBe(0);
    expect(run(['pddb', 'basiscreate', '--dir', dev, 'hidden'], { PVAULT_PASSWORD: 's3cret' }).status).toBe(0);
    expect(run(['pddb', 'write', '--dir', dev, '--basis', 'hidden', 'vault:bank', 'hunter2'], { PVAULT_PASSWORD: 's3cret' }).status).toBe(0);
    const image = join(dev, 'pddb.bin');
    const before = readFileSync(image);
    const png = join(dev, 'view.png');
    const r = run(['forensics', 'inspect', image, '--png', png, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = json(r);
    expect(out.ok).toBe(true);
    expect(out.counts.usedUnmapped).toBe(0);
    expect(out.logRecords).toBe(0);
    expect(out.masterRecords).toBe(1);
    expect(out.counts.system + out.counts.listed + out.counts.usedUnmapped + out.counts.unexplained).toBe(out.dataPages);
    expect(Buffer.from(readFileSync(image)).equals(before), 'the image is not written').toBe(true);
    const picture = PNG.sync.read(readFileSync(png));
    expect(picture.width * picture.height).toBeGreaterThanOrEqual(out.dataPages);
    expect(r.stdout).not.toContain('hunter2');
  });

  it('fails with a typed error on a wrong PIN, a missing file, and bad usage', async () => {
    const dev = ws.fresh();
    const image = join(dev, 'pddb.bin');
    const wrong = await cli(['forensics', 'inspect', image, '--json'], { PVAULT_PIN: '0000' });
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).error.code).toBe('AccessDenied');
    expect((await cli(['forensics', 'inspect', join(dev, 'nope.bin')])).status).toBe(1);
    expect((await cli(['forensics', 'inspect', image], { PVAULT_PIN: undefined })).status).toBe(2);
    expect((await cli(['forensics', 'game', image])).status).toBe(2);
    expect((await cli(['forensics', 'inspect'])).status).toBe(2);
    expect((await cli(['forensics', '--help'])).stdout).toContain('usage: pvault forensics inspect');
    expect(existsSync(join(dev, 'view.png'))).toBe(false);
    expect(statSync(image).size).toBe(4 * 1024 * 1024);
  });
});
