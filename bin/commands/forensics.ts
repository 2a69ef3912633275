// `pvault forensics inspect IMAGE [--keybox FILE] [--png OUT] [--json]`: what the holder of the boot PIN sees in a
// PDDB image (pddb/forensics/coerced-view.ts): every data page classed as .System's, listed free by FastSpace,
// marked Used by FastSpace yet mapped by no .System entry, or unexplained; --png draws those classes. The boot PIN
// comes from PVAULT_PIN, as everywhere. The image is read into memory and never written.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { flag, parseArgs, value, UsageError } from '../args.ts';
import { done, emit, io } from '../output.ts';
import { noteOutputMode } from '../session.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { classBitmapPng } from '../../pddb/forensics/bitmap.ts';
import { coercedView } from '../../pddb/forensics/coerced-view.ts';

export const FORENSICS_HELP = `usage: pvault forensics inspect IMAGE [--keybox FILE] [--png OUT] [--json]

The coerced adversary's view of IMAGE (a pddb.bin): with the boot PIN (PVAULT_PIN) and the keybox (default: the
keybox.bin beside IMAGE) it decrypts the page table, the FastSpace master record and the SpaceUpdate log, and
classes every data page:
  system          mapped by a .System page-table entry
  listed          listed free by FastSpace
  used-unmapped   marked Used by FastSpace, mapped by no .System entry (another basis's page: a leak)
  unexplained     neither (a free page the cache leaves out, or a page of a basis not disclosed)
--png OUT draws one cell per data page (blue system, grey listed, red used-unmapped, amber unexplained).
The image is never written.
`;

export async function forensicsCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, { json: {}, help: { short: 'h' }, keybox: { value: true }, png: { value: true } });
  noteOutputMode(p);
  const [verb, image, ...extra] = p.positionals;
  if (flag(p, 'help') || verb === undefined) return void io.out(FORENSICS_HELP);
  if (verb !== 'inspect') throw new UsageError(`unknown forensics verb '${verb.slice(0, 40)}' (inspect)`);
  if (image === undefined || extra.length > 0) throw new UsageError('inspect takes one IMAGE');
  const pin = process.env.PVAULT_PIN;
  if (!pin) throw new UsageError('the boot PIN comes from PVAULT_PIN');
  const flash = MemoryFlash.from(new Uint8Array(readFileSync(image)));
  const keybox = new Uint8Array(readFileSync(value(p, 'keybox') ?? join(dirname(image), 'keybox.bin')));
  const engine = PddbEngine.mount(flash, keybox, pin);
  const [system] = engine.exportKeys();
  const view = coercedView(flash, system.keys);
  system.keys.pt.fill(0);
  system.keys.data.fill(0);
  const png = value(p, 'png');
  if (png !== undefined) writeFileSync(png, classBitmapPng(view.classes));
  const { System, Listed, UsedUnmapped, Unexplained } = view.counts;
  const counts = { system: System, listed: Listed, usedUnmapped: UsedUnmapped, unexplained: Unexplained };
  const text = [
    `data pages ${view.classes.length}: system ${System}, listed ${Listed}, used-unmapped ${UsedUnmapped}, unexplained ${Unexplained}`,
    `FastSpace: ${view.masterRecords} master record(s), ${view.logRecords} log record(s)${png !== undefined ? `; picture in ${png}` : ''}`,
  ].join('\n');
  emit(done(text, { dataPages: view.classes.length, counts, masterRecords: view.masterRecords, logRecords: view.logRecords, ...(png !== undefined ? { png } : {}) }));
}
