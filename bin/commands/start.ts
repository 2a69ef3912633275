// `pvault start` (npm start): boot the device folder (formatting an empty one on first run), mount .System, print
// the device state and the IPC trace of the boot. A folder with half a device is refused, never formatted over.
import { flag, parseArgs, UsageError } from '../args.ts';
import { emit, io } from '../output.ts';
import { bootMounted, commonFlags, modeOf, noteOutputMode, withLock } from '../session.ts';
import { formatDevice } from './init.ts';
import { PRECURSOR_PDDB_LEN } from '../../pddb/format/constants.ts';

export const START_HELP = `usage: pvault start [--dir DIR] [--mode thread|worker] [--wait [SECONDS]] [--json]

Boots the device in DIR (default ./.pvault), formatting a 98 MiB device when DIR holds none, mounts .System with
the boot PIN (PVAULT_PIN, or the PIN generated on first run), and prints the device state and the IPC trace of the
boot. A folder holding pddb.bin without keybox.bin (or the reverse) is an error: nothing is formatted over it.
`;

export async function startCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, commonFlags);
  noteOutputMode(p);
  if (flag(p, 'help')) return void io.out(START_HELP);
  if (p.positionals.length > 0) throw new UsageError('start takes no arguments');
  const mode = modeOf(p);
  const outcome = await withLock(p, async (folder, lock) => {
    folder.refuseIncomplete();
    const formatted =
      folder.state() === 'empty' ? await formatDevice(folder, lock, PRECURSOR_PDDB_LEN, mode) : undefined;
    const device = await bootMounted(folder, lock, mode, true);
    try {
      const bases = await device.pddb.listBasis();
      const dicts = await device.pddb.listDicts();
      const status = await device.pddb.status();
      const servers = device.kernel.listServers();
      const trace = device.kernel.trace;
      const text = [
        ...(formatted ? [formatted.text as string, ''] : []),
        `device ${folder.dir} (${mode} mode)`,
        `  PDDB: ${status.size} bytes, ${status.dataPages} data pages, ${status.freeSpace} pages in the free-space cache`,
        `  open bases: ${bases.join(', ')}`,
        `  dicts: ${dicts.length === 0 ? '(none)' : dicts.join(', ')}`,
        `  servers: ${servers.map((s) => s.name ?? '(anonymous)').join(', ')}`,
        '',
        'IPC trace of the boot:',
        trace.toSequenceDiagram(),
      ].join('\n');
      const json = {
        dir: folder.dir,
        mode,
        formatted: formatted?.json,
        bases,
        dicts,
        status,
        servers,
        trace: trace.entries(),
      };
      return { json, text };
    } finally {
      await device.shutdown();
    }
  });
  emit(outcome);
}
