// `pvault export hosted-dump --out NAME [--basis B ...]`: NAME.bin (the raw PDDB region) + NAME.key (the keys of
// .System and of every basis named), the pair the original's tools/pddbdbg.py decodes.
import { copyFileSync, writeFileSync } from 'node:fs';
import { flag, parseArgs, value, UsageError } from '../args.ts';
import { makeOut } from '../output.ts';
import { basisFlags, commonFlags, folderOf, withDevice } from '../session.ts';
import { encodeHostedKeys, type DumpedBasis } from '../../pddb/hosted-dump.ts';

export const EXPORT_HELP = `usage: pvault export hosted-dump --out NAME [--basis B ...] [--dir DIR] [--json]

Writes NAME.bin (the raw PDDB region) and NAME.key (u32 LE count, then per basis: name 64 bytes NUL-padded, data
key 32, page-table key 32) for .System and each basis named (their passwords as for every command). NAME.key holds
live keys: it opens those bases to anyone who has it. Check the dump with the original's tools:
  cp NAME.bin NAME.key xous-core/tools/pddb-images/ && python3 xous-core/tools/pddbdbg.py --name NAME
`;

export async function exportCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, { ...commonFlags, ...basisFlags, out: { value: true } });
  const [what] = p.positionals;
  if (flag(p, 'help') || what === undefined) return void process.stdout.write(EXPORT_HELP);
  if (what !== 'hosted-dump') throw new UsageError(`unknown export '${what}' (only hosted-dump)`);
  const name = value(p, 'out');
  if (!name) throw new UsageError('--out NAME is required');
  const out = makeOut(flag(p, 'json'));
  const bases: DumpedBasis[] = await withDevice(p, (d) => d.pddb.exportKeys());
  // The device has synced and powered off: the image file is complete.
  copyFileSync(folderOf(p).image, `${name}.bin`);
  writeFileSync(`${name}.key`, encodeHostedKeys(bases), { mode: 0o600 });
  for (const b of bases) b.keys.data.fill(0), b.keys.pt.fill(0);
  out.result({ ok: true, bin: `${name}.bin`, key: `${name}.key`, bases: bases.map((b) => b.name) }, () =>
    out.info(`wrote ${name}.bin and ${name}.key (${bases.map((b) => b.name).join(', ')})`),
  );
}
