// `pvault fido <verb>`: the FIDO authenticator, offline on the device folder. info and pin go through CTAP to the
// FIDO server like a host would; list and delete read the stored credentials of the open bases from the PDDB.
// PINs never come from argv: PVAULT_FIDO_PIN / PVAULT_FIDO_NEW_PIN, --pin-stdin, or a prompt without echo.
import password from '@inquirer/password';
import { flag, parseArgs, value, UsageError, type FlagSpec, type Parsed } from '../args.ts';
import { done, emit, io } from '../output.ts';
import { basisFlags, commonFlags, noteOutputMode, withDevice } from '../session.ts';
import type { Device } from '../../vault/device/device.ts';
import { FidoClient } from '../../vault/fido/api.ts';
import { CtapHost } from '../../vault/fido/host.ts';
import { deleteStoredCredential, storedCredentials } from '../../vault/fido/inventory.ts';
import { CtapError, CtapStatus } from '../../vault/fido/status.ts';
import { UiClient } from '../../vault/ui/client.ts';
import { PolicyMode } from '../../vault/ui/api.ts';

export const FIDO_HELP = `usage: pvault fido <verb> [options]      (--dir DIR, --basis NAME, --json as for every command)

  info                      getInfo, decoded (versions, extensions, options, algorithms, PIN retries)
  list [--rp RP]            stored credentials of the open bases, with their basis (--basis to include a secret one)
  delete CREDENTIAL_ID      delete a stored credential (ID in base64url, as list shows it)
  pin set                   set the FIDO PIN: PVAULT_FIDO_PIN, --pin-stdin (one line), or a prompt
  pin change                change it: old PIN from PVAULT_FIDO_PIN, new from PVAULT_FIDO_NEW_PIN, or
                            --pin-stdin (two lines: old, new), or prompts
  reset                     authenticatorReset: wipes credentials, PIN and settings of the open bases; the device
                            refuses it later than 20 s after power-up. Running the command is the user's touch.

The FIDO PIN is the authenticator's (CTAP clientPIN), not the boot PIN.
`;

const fidoFlags = { ...commonFlags, ...basisFlags, rp: { value: true }, 'pin-stdin': {} } as const satisfies Record<
  string,
  FlagSpec
>;

export async function fidoCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, fidoFlags);
  noteOutputMode(p);
  const [verb, ...args] = p.positionals;
  if (flag(p, 'help') || verb === undefined) return void io.out(FIDO_HELP);
  switch (verb) {
    case 'info': {
      none(args);
      const info = await withDevice(p, async (d) => (await host(d)).info());
      const opts = Object.entries(info.options).map(([k, v]) => `${k}${v ? '' : '=false'}`);
      return emit({
        json: { ok: true, ...info },
        text: [
          `versions    ${info.versions.join(' ')}`,
          `aaguid      ${info.aaguid}`,
          `algorithms  ${info.algorithms.join(' ')}`,
          `extensions  ${info.extensions.join(' ')}`,
          `options     ${opts.join(' ')}`,
          `PIN         ${info.options.clientPin ? `set, ${info.pinRetries} retries left` : 'not set'}; minimum length ${info.minPinLength}`,
          `room        ${info.remainingDiscoverableCredentials} more discoverable credentials in the latest basis`,
        ].join('\n'),
      });
    }
    case 'list': {
      none(args);
      const creds = await withDevice(p, (d) => storedCredentials(d.pddb, value(p, 'rp')));
      return emit({
        json: creds,
        text: creds
          .map(
            (c) =>
              `${c.id}  ${c.rpId}  ${c.userName ?? ''}${c.discoverable ? '' : '  (not discoverable)'}  [${c.basis}]`,
          )
          .join('\n'),
      });
    }
    case 'delete': {
      if (args.length !== 1) throw new UsageError('usage: pvault fido delete CREDENTIAL_ID');
      const gone = await withDevice(p, (d) => deleteStoredCredential(d.pddb, args[0]));
      if (!gone) throw new CtapError(CtapStatus.NoCredentials, 'no stored credential with that ID in the open bases');
      return emit(
        done(`deleted the credential for ${gone.rpId} from ${gone.basis}`, {
          id: gone.id,
          rpId: gone.rpId,
          basis: gone.basis,
        }),
      );
    }
    case 'pin': {
      const [sub, ...rest] = args;
      none(rest);
      if (sub === 'set') {
        const [pin] = await pins(p, ['new FIDO PIN'], ['PVAULT_FIDO_PIN']);
        await withDevice(p, async (d) => (await host(d)).setPin(pin));
        return emit(done('FIDO PIN set'));
      }
      if (sub === 'change') {
        const [oldPin, pin] = await pins(
          p,
          ['current FIDO PIN', 'new FIDO PIN'],
          ['PVAULT_FIDO_PIN', 'PVAULT_FIDO_NEW_PIN'],
        );
        await withDevice(p, async (d) => (await host(d)).changePin(oldPin, pin));
        return emit(done('FIDO PIN changed'));
      }
      throw new UsageError('usage: pvault fido pin set|change');
    }
    case 'reset': {
      none(args);
      await withDevice(p, async (d) => {
        await (await UiClient.connect(d.shell)).setPolicy({ mode: PolicyMode.Approve });
        await (await host(d)).reset();
      });
      return emit(done('authenticator reset'));
    }
    default:
      throw new UsageError(`unknown fido verb '${verb}' (see pvault fido --help)`);
  }
}

async function host(d: Device): Promise<CtapHost> {
  return new CtapHost(await FidoClient.connect(d.shell));
}

function none(args: string[]): void {
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}'`);
}

/** PINs in order from their environment variables, else --pin-stdin lines, else prompts; never argv. */
async function pins(p: Parsed, labels: string[], envs: string[]): Promise<string[]> {
  const fromEnv = envs.map((e) => process.env[e]);
  if (fromEnv.every((v) => v !== undefined && v !== '')) return fromEnv as string[];
  if (flag(p, 'pin-stdin')) {
    const lines = io.stdin().toString('utf8').split(/\r?\n/);
    if (lines.length < labels.length || lines.slice(0, labels.length).some((l) => l === '')) {
      throw new UsageError(`--pin-stdin: expected ${labels.length} non-empty line(s): ${labels.join(', ')}`);
    }
    return lines.slice(0, labels.length);
  }
  if (!io.interactive()) throw new UsageError(`no PIN: set ${envs.join(' and ')}, or use --pin-stdin`);
  const out: string[] = [];
  for (const message of labels)
    out.push(await password({ message: `${message}:`, mask: false }, { output: process.stderr }));
  return out;
}
