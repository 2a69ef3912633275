// `pvault export hosted-dump --out NAME [--basis B ...]`: NAME.bin (the raw PDDB region) + NAME.key (the keys of
// .System and of every basis named), the pair the original's tools/pddbdbg.py decodes.
import { flag, parseArgs, value, UsageError } from '../args.ts';
import { done, emit, io } from '../output.ts';
import { basisFlags, commonFlags, folderOf, noteOutputMode, withDevice } from '../session.ts';
import { writeHostedDump, type DumpedBasis } from '../../pddb/hosted-dump.ts';
import { isVaultExport, vaultExportCommand } from './vault-export.ts';

export const EXPORT_HELP = `usage: pvault export hosted-dump --out NAME [--basis B ...] [--dir DIR] [--wait [SECONDS]] [--json]

Writes NAME.bin (the raw PDDB region) and NAME.key (u32 LE count, then per basis: name 64 bytes NUL-padded, data
key 32, page-table key 32) for .System and each basis named (their passwords as for every command), both 0600.
NAME.key holds live keys: it opens those bases to anyone who has it. Check the dump with the original's tools:
  cp NAME.bin NAME.key xous-core/tools/pddb-images/ && python3 xous-core/tools/pddbdbg.py --name NAME
`;

export async function exportCommand(argv: string[]): Promise<void> {
  if (isVaultExport(argv)) return vaultExportCommand(argv);
  const p = parseArgs(argv, { ...basisFlags, ...commonFlags, out: { value: true } });
  noteOutputMode(p);
  const [what, ...extra] = p.positionals;
  if (flag(p, 'help') || what === undefined) return void io.out(EXPORT_HELP);
  if (what !== 'hosted-dump') throw new UsageError('unknown export (hosted-dump, otpauth, qr, aegis, csv)');
  if (extra.length > 0) throw new UsageError('hosted-dump takes no arguments (--out NAME names the files)');
  const name = value(p, 'out');
  if (!name) throw new UsageError('--out NAME is required');
  let files: { bin: string; key: string } | undefined;
  const bases: DumpedBasis[] = await withDevice(
    p,
    (d) => d.pddb.exportKeys(),
    // Synced and powered off, still locked: the image file is complete and nobody else is writing it.
    (keys) => void (files = writeHostedDump(name, folderOf(p).image, keys)),
  );
  for (const b of bases) b.keys.data.fill(0), b.keys.pt.fill(0);
  const names = bases.map((b) => b.name);
  emit(done(`wrote ${files!.bin} and ${files!.key} (${names.join(', ')})`, { ...files!, bases: names }));
}
