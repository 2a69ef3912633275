// `pvault serve` (npm start): a running device. Boots the folder (formatting an empty one, as `start` does), keeps
// its lock for the whole run, attaches CTAPHID listeners, prints where each listens, and runs until SIGINT, SIGTERM
// or SIGHUP, which sync the PDDB and power off before the lock is let go.
import { createInterface } from 'node:readline';
import { parseArgs, flag, value, values, UsageError, type FlagSpec } from '../args.ts';
import { io, outputMode } from '../output.ts';
import { attachServedDevice, bootMounted, commonFlags, modeOf, noteOutputMode, withLock } from '../session.ts';
import { commandRunner } from '../remote.ts';
import { formatDevice } from './init.ts';
import { PRECURSOR_PDDB_LEN } from '../../pddb/format/constants.ts';
import { attachCtaphid } from '../../transports/ctaphid/attach.ts';
import { HostReadout } from '../../transports/ctaphid/vendor/host-readout.ts';
import { UhidTransport, UhidUnavailable, uhidProblem } from '../../transports/uhid/uhid-transport.ts';
import { AddressError, DEFAULT_CTAPHID_ADDRESS, parseAddress } from '../../transports/ctaphid/listen-address.ts';
import { UiClient } from '../../vault/ui/client.ts';
import { PolicyMode } from '../../vault/ui/api.ts';
import { DENY_KEY } from '../../vault/ui/screen.ts';
import { HttpAddressError, parseHttpAddress, serveWeb } from '../../transports/web/serve-web.ts';

export const SERVE_HELP = `usage: pvault serve [--dir DIR] [--ctaphid tcp:HOST:PORT|unix:PATH ...] [--presence ask|approve|deny]
                   [--mode thread|worker] [--json]

Runs the device in DIR (default ./.pvault; formatted on first run like 'pvault start') until Ctrl-C, SIGTERM or
SIGHUP, which sync and power it off. While it runs, the folder is locked: other pvault commands on it (pddb, totp,
pw, autotype, import, export, fido) run on this device through the control API; init, start, demo, export
hosted-dump and fido reset fail with DeviceBusy.

  --ctaphid ADDR     a CTAPHID listener (repeatable; default ${DEFAULT_CTAPHID_ADDRESS}): raw 64-byte reports both
                     ways, no report-ID byte; each connection is a host. Port 0 picks a free port.
  --presence MODE    who answers "touch the key": ask (default) prompts on this terminal and needs one;
                     approve or deny answer every request at once (unattended relying-party tests).
  --http ADDR        the device page and its control API (HOST:PORT, PORT, or off; default 127.0.0.1:8110, or a
                     free port when 8110 is taken); the page's address, with its token, is printed
  --host-readout     answer the Vault's host backup commands (CTAPHID 0x71 restore, 0x72 backup, 0x74 reset), as
                     the original's vaultbackup-rs uses them: any host on a listener can then read out and write
                     every TOTP and password entry of the open bases. Off: those commands are INVALID_CMD
  --uhid             also appear as a USB security key on this Linux machine through /dev/uhid (browsers and
                     libfido2 see it); fails at once, saying why, where /dev/uhid is absent or not writable
  --json             one line of JSON once the listeners are up: {"ok":true,"dir","mode","presence","pid",
                     "listeners":[{"transport":"ctaphid","address"}],"page"}
`;

const serveFlags = {
  ...commonFlags,
  ctaphid: { value: true, repeat: true },
  presence: { value: true },
  http: { value: true },
  'host-readout': {},
  uhid: {},
} as const satisfies Record<string, FlagSpec>;

type PresenceMode = 'ask' | 'approve' | 'deny';
const POLICY = { ask: PolicyMode.Manual, approve: PolicyMode.Approve, deny: PolicyMode.Deny } as const;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function serveCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, serveFlags);
  noteOutputMode(p);
  if (flag(p, 'help')) return void io.out(SERVE_HELP);
  if (p.positionals.length > 0) throw new UsageError('serve takes no arguments');
  const mode = modeOf(p);
  const presence = presenceOf(value(p, 'presence'));
  const addresses = values(p, 'ctaphid');
  if (addresses.length === 0) addresses.push(DEFAULT_CTAPHID_ADDRESS);
  for (const a of addresses) checkAddress(a);
  const http = value(p, 'http');
  if (http !== undefined) checkHttp(http);
  const uhidWanted = flag(p, 'uhid');
  const uhidWhyNot = uhidWanted ? uhidProblem() : undefined;
  if (uhidWhyNot) throw new UhidUnavailable(`--uhid: ${uhidWhyNot}`);

  await withLock(p, async (folder, lock) => {
    // From here on a signal stops the device cleanly, even one that arrives while it boots.
    const stopping = stopSignal();
    lock.keepThroughSignals();
    folder.refuseIncomplete();
    const formatted =
      folder.state() === 'empty' ? await formatDevice(folder, lock, PRECURSOR_PDDB_LEN, mode) : undefined;
    const device = await bootMounted(folder, lock, mode, true);
    let hid: Awaited<ReturnType<typeof attachCtaphid>> | undefined;
    let uhid: UhidTransport | undefined;
    let stopAsking: (() => void) | undefined;
    let web: Awaited<ReturnType<typeof serveWeb>>;
    try {
      const ui = await UiClient.connect(device.shell);
      await ui.setPolicy({ mode: POLICY[presence] });
      const hidProc = device.kernel.process('ctaphid');
      hid = await attachCtaphid(
        hidProc,
        addresses,
        flag(p, 'host-readout') ? { vendor: await HostReadout.connect(hidProc) } : {},
      );
      const listeners = hid.listeners.map((l) => ({ transport: 'ctaphid', address: l.url }));
      if (uhidWanted) {
        uhid = await UhidTransport.open(hid.device);
        listeners.push({ transport: 'uhid', address: uhid.path });
      }
      // Other pvault commands on this folder run here (POST /api/run), on this device.
      attachServedDevice(device);
      web = await serveWeb(device, folder.dir, value(p, 'http'), commandRunner());
      if (outputMode.json) {
        io.out(
          JSON.stringify({
            ok: true,
            dir: folder.dir,
            mode,
            presence,
            pid: process.pid,
            formatted: formatted?.json,
            listeners,
            page: web?.pageUrl,
          }) + '\n',
        );
      } else {
        if (formatted) io.out(`${formatted.text}\n`);
        io.out(`device ${folder.dir} (${mode} mode), presence ${presence}; Ctrl-C to stop\n`);
        for (const l of listeners) io.out(`${l.transport} ${l.address}\n`);
        if (web) io.out(`device page ${web.pageUrl}\n`);
      }
      if (presence === 'ask') stopAsking = askOnTerminal(ui);
      const signal = await stopping;
      if (!outputMode.json) io.err(`pvault serve: ${signal}: syncing and powering off\n`);
    } finally {
      stopAsking?.();
      await web?.stop();
      attachServedDevice(undefined);
      await uhid?.close();
      await hid?.close();
      await device.shutdown();
    }
  });
}

function presenceOf(v: string | undefined): PresenceMode {
  const mode = v ?? 'ask';
  if (mode !== 'ask' && mode !== 'approve' && mode !== 'deny')
    throw new UsageError(`--presence is ask, approve or deny (got '${mode.slice(0, 20)}')`);
  if (mode === 'ask' && !(process.stdin.isTTY && process.stderr.isTTY)) {
    throw new UsageError('--presence ask needs a terminal to ask on; give --presence approve or --presence deny');
  }
  return mode;
}

function checkHttp(spec: string): void {
  try {
    parseHttpAddress(spec);
  } catch (e) {
    if (e instanceof HttpAddressError) throw new UsageError(`--http: ${e.message}`);
    throw e;
  }
}

function checkAddress(a: string): void {
  try {
    parseAddress(a);
  } catch (e) {
    if (e instanceof AddressError) throw new UsageError(`--ctaphid: ${e.message}`);
    throw e;
  }
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      for (const sig of STOP_SIGNALS) process.off(sig, on);
      resolve(s);
    };
    for (const sig of STOP_SIGNALS) process.on(sig, on);
  });
}

/** The device's modal on the terminal: each presence request asked once, y approves, anything else denies. */
function askOnTerminal(ui: UiClient): () => void {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // readline puts the terminal in raw mode: Ctrl-C arrives as a key, and must still stop the device.
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  let stopped = false;
  let asking = false;
  const timer = setInterval(async () => {
    if (asking || stopped) return;
    asking = true;
    try {
      const s = await ui.screen();
      if (!s.modal) return;
      const who = `${printable(s.rp)}${s.user ? ` as ${printable(s.user)}` : ''}`;
      const answer = await new Promise<string>((resolve) =>
        rl.question(`presence requested (${s.reason}) by ${who}: approve? [y/N] `, resolve),
      );
      // The host may have cancelled, or the request timed out, while the question was on screen.
      if (!stopped && (await ui.screen()).modal) await ui.press(/^y(es)?$/i.test(answer.trim()) ? 'Enter' : DENY_KEY);
    } catch {
      // The device is powering off.
    } finally {
      asking = false;
    }
  }, 100);
  return () => {
    stopped = true;
    clearInterval(timer);
    rl.close();
  };
}

/** RP and user names come from the host: no terminal control sequences reach the screen. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
