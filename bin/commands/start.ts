// `pvault start` (npm start): boot the device folder (formatting it on first run), mount .System, print the
// device state and the IPC trace of the boot.
import { flag, parseArgs, UsageError } from '../args.ts';
import { makeOut } from '../output.ts';
import { commonFlags, folderOf, modeOf } from '../session.ts';
import { bootPin } from '../boot-pin.ts';
import { formatDevice } from './init.ts';
import { Device } from '../../vault/device/device.ts';
import { PRECURSOR_PDDB_LEN } from '../../pddb/format/constants.ts';

export const START_HELP = `usage: pvault start [--dir DIR] [--mode thread|worker] [--json]

Boots the device in DIR (default ./.pvault), formatting a 98 MiB device on first run, mounts .System with the
boot PIN (PVAULT_PIN, or the PIN generated on first run), and prints the device state and the IPC trace of the boot.
`;

export async function startCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, commonFlags);
  if (flag(p, 'help')) return void process.stdout.write(START_HELP);
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
  const folder = folderOf(p);
  const out = makeOut(flag(p, 'json'));
  const mode = modeOf(p);
  if (!folder.formatted) await formatDevice(folder, PRECURSOR_PDDB_LEN, mode, out);
  const device = await Device.boot({ dir: folder.dir, mode, trace: true });
  try {
    await device.pddb.tryMount(bootPin(folder));
    const bases = await device.pddb.listBasis();
    const dicts = await device.pddb.listDicts();
    const status = await device.pddb.status();
    const trace = device.kernel.trace;
    out.result({ dir: folder.dir, mode, bases, dicts, status, servers: device.kernel.listServers(), trace: trace.entries() }, () => {
      out.info(`device ${folder.dir} (${mode} mode)`);
      out.info(`  PDDB: ${status.size} bytes, ${status.dataPages} data pages, ${status.freeSpace} pages in the free-space cache`);
      out.info(`  open bases: ${bases.join(', ')}`);
      out.info(`  dicts: ${dicts.length === 0 ? '(none)' : dicts.join(', ')}`);
      out.info(`  servers: ${device.kernel.listServers().map((s) => s.name ?? '(anonymous)').join(', ')}`);
      out.info('');
      out.info('IPC trace of the boot:');
      out.info(trace.toSequenceDiagram());
    });
  } finally {
    await device.shutdown();
  }
}
