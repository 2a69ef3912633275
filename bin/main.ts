// pvault: the command-line face of the emulated device.
import { readFileSync } from 'node:fs';
import { UsageError } from './args.ts';
import { initCommand, INIT_HELP } from './commands/init.ts';
import { startCommand, START_HELP } from './commands/start.ts';
import { pddbCommand, PDDB_HELP } from './commands/pddb.ts';
import { exportCommand, EXPORT_HELP } from './commands/export.ts';
import { totpCommand, TOTP_HELP } from './commands/totp.ts';
import { pwCommand, PW_HELP } from './commands/pw.ts';
import { autotypeCommand, AUTOTYPE_HELP } from './commands/autotype.ts';
import { importCommand, IMPORT_HELP } from './commands/import.ts';
import { fidoCommand, FIDO_HELP } from './commands/fido.ts';
import { serveCommand, SERVE_HELP } from './commands/serve.ts';
import { forensicsCommand, FORENSICS_HELP } from './commands/forensics.ts';
import { demoCommand, DEMO_HELP } from './commands/demo.ts';
import { CtapError, CtapStatus } from '../vault/fido/status.ts';
import { VaultError } from '../vault/records/errors.ts';
import { PddbError } from '../pddb/errors.ts';
import { DeviceBusy } from '../vault/device/device-lock.ts';
import { DeviceFolderError } from '../vault/device/folder.ts';
import { FlashError } from '../pddb/flash/errors.ts';
import { io, outputMode } from './output.ts';
import { IpcError } from '../transports/ipc/index.ts';
import { noteCommandArgv, RemoteError, RemoteExit } from './remote.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const HELP = `pvault ${pkg.version}: an emulated Precursor-style credential vault (Xous Vault on a model of the Xous PDDB)

usage: pvault <command> [options]            (pvault <command> --help for each)

commands:
  init                  format a device folder (pddb.bin + keybox.bin)
  start                 boot the device (formatting it on first run); print its state and the IPC trace of the boot
  pddb <verb>           the PDDB shell: basislist, default, basiscreate, basisunlock, basislock, basisdelete,
                        dictlist, keylist, query, write, writeover, copy, keydelete, dictdelete, churn, flush, sync,
                        and our rebuildspace, status
  export hosted-dump    write NAME.bin + NAME.key for the original's tools (tools/pddbdbg.py)
  totp <verb>           TOTP/HOTP entries: add, list, code, edit, delete, clock
  pw <verb>             password entries: add, get, list, edit, delete, gen
  autotype              type a code, password or username as USB keyboard reports into a file or socket
  import FILE           otpauth, Google Authenticator, Aegis, Bitwarden, KeePassXC CSV, vault backup, CSV
  export otpauth|qr|aegis|csv   the vault's entries for other apps
  fido <verb>           the FIDO2/U2F authenticator: info, list, delete, pin set|change, reset
  serve                 run the device: CTAPHID on tcp:127.0.0.1:8111 until Ctrl-C (npm start)
  forensics inspect     what the boot PIN shows of an image: each data page classed, FastSpace records, a PNG
  forensics game        a seeded deniability game (single, count, multi) with 95% intervals
  demo                  the whole story on a temporary device in one command (basis, TOTP, password, FIDO, lock)

common options:
  --dir DIR             the device folder (default ./.pvault)
  --json                one JSON document on stdout, printed once the outcome is known
  --wait [SECONDS]      queue (default 60 s) while another process uses the device, instead of failing
  --help, -h            help;  --version, -V  the version

secrets are never taken from argv: the boot PIN from PVAULT_PIN, basis passwords from PVAULT_PASSWORD,
--password NAME=ENVVAR, --password-stdin, or a prompt.
`;

const commands: Record<string, { run: (argv: string[]) => Promise<number | void>; help: string }> = {
  init: { run: initCommand, help: INIT_HELP },
  start: { run: startCommand, help: START_HELP },
  pddb: { run: pddbCommand, help: PDDB_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  totp: { run: totpCommand, help: TOTP_HELP },
  pw: { run: pwCommand, help: PW_HELP },
  autotype: { run: autotypeCommand, help: AUTOTYPE_HELP },
  import: { run: importCommand, help: IMPORT_HELP },
  fido: { run: fidoCommand, help: FIDO_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
  forensics: { run: forensicsCommand, help: FORENSICS_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
};

/** Run one pvault command; resolves to the exit status (bin/pvault.js sets it). */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--version' || name === '-V') {
    io.out(pkg.version + '\n');
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(rest[0] && Object.hasOwn(commands, rest[0]) ? commands[rest[0]].help : HELP);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`pvault: unknown command '${name.slice(0, 40)}' (see pvault --help)\n`);
    return 2;
  }
  noteCommandArgv(args);
  // Until the command has parsed its flags (a usage error), guess the output mode from the words before `--`.
  const end = rest.indexOf('--');
  outputMode.json = (end < 0 ? rest : rest.slice(0, end)).includes('--json');
  try {
    return (await command.run(rest)) ?? 0;
  } catch (e) {
    if (e instanceof RemoteExit) return e.status; // the served device ran it and printed its outcome
    const { code, message, exit } = describe(e);
    if (outputMode.json) io.out(JSON.stringify({ ok: false, error: { code, message } }) + '\n');
    else io.err(`pvault ${name}: ${message}\n`);
    return exit;
  }
}

/** Every failure a user can cause has a code and a message; anything else is a bug, reported as such. */
function describe(e: unknown): { code: string; message: string; exit: number } {
  if (e instanceof UsageError) return { code: 'Usage', message: e.message, exit: 2 };
  if (e instanceof PddbError) return { code: e.code, message: e.message, exit: 1 };
  if (e instanceof VaultError) return { code: e.code, message: e.message, exit: 1 };
  if (e instanceof CtapError) return { code: `Ctap${CtapStatus[e.status] ?? e.status}`, message: e.message, exit: 1 };
  if (e instanceof DeviceBusy) return { code: 'DeviceBusy', message: e.message, exit: 1 };
  if (e instanceof DeviceFolderError) return { code: e.code, message: e.message, exit: 1 };
  if (e instanceof FlashError) return { code: `Flash${e.code}`, message: e.message, exit: 1 };
  if (e instanceof IpcError) return { code: `Ipc${e.code}`, message: e.message, exit: 1 };
  if (e instanceof RemoteError) return { code: e.code, message: e.message, exit: 1 };
  const err = e as NodeJS.ErrnoException;
  if (err?.code && typeof err.code === 'string' && err.syscall)
    return { code: err.code, message: err.message, exit: 1 };
  return { code: 'InternalError', message: `internal error: ${(e as Error)?.stack ?? String(e)}`, exit: 70 };
}
