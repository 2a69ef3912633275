// `pvault forensics inspect`: the boot-PIN holder's view of a real device folder's image, as a user runs it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, json, run, workspace } from './pvault-run.ts';

const ws = workspace();
afterAll(() => ws.cleanup());

describe('pvault forensics inspect', () => {
  it('classes every data page; with a locked secret basis no Used record or log shows; the image is not written', {
    timeout: 120_000,
  }, () => {
    const dev = ws.fresh();
    expect(run(['pddb', 'write', '--dir', dev, 'notes:todo', 'buy milk']).status).toBe(0);
    expect(run(['pddb', 'basiscreate', '--dir', dev, 'hidden'], { PVAULT_PASSWORD: 's3cret' }).status).toBe(0);
    expect(
      run(['pddb', 'write', '--dir', dev, '--basis', 'hidden', 'vault:bank', 'hunter2'], { PVAULT_PASSWORD: 's3cret' })
        .status,
    ).toBe(0);
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
    expect(out.counts.system + out.counts.listed + out.counts.usedUnmapped + out.counts.unexplained).toBe(
      out.dataPages,
    );
    expect(Buffer.from(readFileSync(image)).equals(before), 'the image is not written').toBe(true);
    const picture = PNG.sync.read(readFileSync(png));
    expect(picture.width * picture.height).toBeGreaterThanOrEqual(out.dataPages);
    expect(r.stdout).not.toContain('hunter2');

    // With the password disclosed, the basis's pages are classed as disclosed, cut from the unexplained ones.
    const svg = join(dev, 'views.svg');
    const shown = run(['forensics', 'inspect', image, '--password', 'hidden=HIDDEN_PW', '--svg', svg, '--json'], {
      HIDDEN_PW: 's3cret',
    });
    expect(shown.status, shown.stderr).toBe(0);
    const withPw = json(shown);
    expect(withPw.disclosedBases).toBe(1);
    expect(withPw.counts.disclosed).toBeGreaterThanOrEqual(2);
    expect(withPw.counts.unexplained).toBe(out.counts.unexplained - withPw.counts.disclosed);
    expect(withPw.counts.system).toBe(out.counts.system);
    const picture2 = readFileSync(svg, 'utf8');
    expect(picture2).toContain('boot PIN + 1 password(s)');
    expect(picture2.match(/<rect /g)!.length).toBeGreaterThan(10);
    expect(shown.stdout + shown.stderr + picture2).not.toContain('s3cret');
    expect(picture2).not.toContain('hidden');
    expect(Buffer.from(readFileSync(image)).equals(before), 'the image is not written').toBe(true);
  });

  it('a wrong disclosed password is AccessDenied; a bare --password value is refused unechoed', {
    timeout: 60_000,
  }, async () => {
    const dev = ws.fresh();
    const image = join(dev, 'pddb.bin');
    const wrong = await cli(['forensics', 'inspect', image, '--password', 'nobody=PW', '--json'], { PW: 'guess' });
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).error.code).toBe('AccessDenied');
    expect(wrong.stdout + wrong.stderr, 'no error names a basis').not.toContain('nobody');
    const bare = await cli(['forensics', 'inspect', image, '--password', 'letmein']);
    expect(bare.status).toBe(2);
    expect(bare.stdout + bare.stderr).not.toContain('letmein');
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
    expect((await cli(['forensics', 'frobnicate'])).status).toBe(2);
    expect((await cli(['forensics', 'inspect'])).status).toBe(2);
    expect((await cli(['forensics', '--help'])).stdout).toContain('usage: pvault forensics inspect');
    expect(existsSync(join(dev, 'view.png'))).toBe(false);
    expect(statSync(image).size).toBe(4 * 1024 * 1024);
  });
});

describe('pvault forensics game', () => {
  it('plays a seeded game and prints its figures with intervals; the same seed gives the same figures', {
    timeout: 120_000,
  }, async () => {
    const args = [
      'forensics',
      'game',
      'single',
      '--adversary',
      'blind',
      '--trials',
      '4',
      '--seed',
      'cli',
      '--size',
      '1MiB',
      '--steps',
      '4',
      '--json',
    ];
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    expect(a.status, a.stderr).toBe(0);
    const r = JSON.parse(a.stdout).result;
    expect(r).toMatchObject({
      game: 'single',
      adversary: 'blind',
      variant: 'none',
      mitigation: 'none',
      trials: 4,
      size: 1048576,
    });
    expect(r.advantage.low).toBeLessThanOrEqual(r.advantage.estimate);
    expect(r.advantage.high).toBeGreaterThanOrEqual(r.advantage.estimate);
    expect(r.cost.erasesPerSync).toBeGreaterThan(0);
    const { rule: _a, ...fa } = r;
    const { rule: _b, ...fb } = JSON.parse(b.stdout).result;
    expect(fb.accuracy).toEqual(fa.accuracy);
    const text = await cli([
      'forensics',
      'game',
      'multi',
      '--adversary',
      'coerced',
      '--trials',
      '4',
      '--seed',
      'cli',
      '--size',
      '1MiB',
      '--steps',
      '4',
    ]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/ROC AUC [0-9.]+ \[[0-9.]+, [0-9.]+\]/);
    expect(text.stderr).toContain('multi game');
  });

  it('refuses bad usage with exit 2', async () => {
    const base = ['forensics', 'game', 'single', '--adversary', 'blind', '--trials', '4', '--seed', 's'];
    for (const bad of [
      ['forensics', 'game'],
      ['forensics', 'game', 'poker', '--adversary', 'blind', '--trials', '4', '--seed', 's'],
      [...base.slice(0, 3), '--trials', '4', '--seed', 's'],
      [...base.slice(0, 5), '--trials', '3', '--seed', 's'],
      [...base.slice(0, 5), '--trials', 'many', '--seed', 's'],
      base.slice(0, 7),
      [...base, '--mitigation', 'prayer'],
      [...base, '--variant', 'nope'],
      [...base, '--size', '3 MiB'],
    ]) {
      const r = await cli(bad);
      expect(r.status, bad.join(' ')).toBe(2);
    }
  });
});
