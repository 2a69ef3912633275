// `pvault demo`: the whole story on a temporary device, in one command. A secret basis gets a TOTP entry, a
// password and a FIDO credential (registered and used at an in-process relying party that verifies with
// @simplewebauthn/server); locking the basis makes all three disappear; the image is exported as a hosted dump,
// searched for the secrets in plain text and inspected as a coerced user's adversary would (pddb/forensics); the
// IPC trace is summed up. Secrets are generated and never printed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base32nopad } from '@scure/base';
import { flag, parseArgs, value, UsageError, type FlagSpec } from '../args.ts';
import { emit, io } from '../output.ts';
import { commonFlags, noteOutputMode } from '../session.ts';
import { Device } from '../../vault/device/device.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { writeHostedDump } from '../../pddb/hosted-dump.ts';
import { coercedView } from '../../pddb/forensics/coerced-view.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { CryptoRandom, randomBytes } from '../../lib/random.ts';
import { DeviceControl } from '../../transports/web/device-control.ts';
import { WebAuthnClient } from '../../transports/webauthn/index.ts';
import { DemoRelyingParty } from '../../transports/web/demo-rp.ts';
import { PolicyMode } from '../../vault/ui/api.ts';
import { summarizeTrace } from '../trace-summary.ts';
import type { TraceEntry } from '../../transports/ipc/index.ts';

export const DEMO_HELP = `usage: pvault demo [--keep DIR] [--json]

Runs the whole flow on a temporary ${TEST_PDDB_LEN / 1024 / 1024} MiB device, in a few seconds:
  1. format and boot (PDDB, vault.totp, vault.passwords, FIDO, ui servers on the IPC kernel)
  2. create and unlock a secret basis 'demo-secret' (generated password, never shown)
  3. add a TOTP entry and a password there; register at an in-process relying party (demo.example) and sign in,
     verified by @simplewebauthn/server (the demo answers the presence request, as --presence approve does)
  4. lock the basis: the entries and the credential are gone, a sign-in with the credential fails
  5. export the image as a hosted dump (.System keys only: what a coerced user hands over), search the raw image
     for the secrets in plain text, and run the coerced single-snapshot inspection (pddb/forensics): every data
     page classified with .System's keys; the basis may only hide among pages the free-space cache leaves out
  6. print the IPC trace summary (--trace: the whole sequence diagram on stderr)
The device is deleted afterwards unless --keep DIR names a folder to keep it (and the dump) in.
`;

const demoFlags = {
  json: commonFlags.json,
  help: commonFlags.help,
  trace: commonFlags.trace,
  keep: { value: true },
} as const satisfies Record<string, FlagSpec>;

const BASIS = 'demo-secret';
const RP = { rpId: 'demo.example', origin: 'https://demo.example' };

interface Step {
  step: string;
  detail: string;
  ms: number;
}

export async function demoCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, demoFlags);
  noteOutputMode(p);
  if (flag(p, 'help')) return void io.out(DEMO_HELP);
  if (p.positionals.length > 0) throw new UsageError('demo takes no arguments');
  const keep = value(p, 'keep');
  // The demo formats its device: never over a folder that holds anything.
  if (keep !== undefined && existsSync(keep) && readdirSync(keep).length > 0)
    throw new UsageError(`--keep ${keep}: the folder is not empty`);
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'pvault-demo-'));
  const rng = new CryptoRandom();
  const secret = (n: number) => Buffer.from(randomBytes(rng, n)).toString('base64url');
  const pin = String(100000 + (Buffer.from(randomBytes(rng, 4)).readUInt32LE() % 900000));
  const basisPassword = secret(18);
  const totpSecret = base32nopad.encode(randomBytes(rng, 20));
  const sitePassword = secret(15);

  const steps: Step[] = [];
  const started = Date.now();
  const step = async <T>(name: string, body: () => Promise<[T, string]>): Promise<T> => {
    const t0 = Date.now();
    const [value, detail] = await body();
    steps.push({ step: name, detail, ms: Date.now() - t0 });
    return value;
  };

  const device = await step('boot', async () => {
    const d = await Device.boot({ dir, trace: true });
    await d.pddb.format(pin, TEST_PDDB_LEN);
    await d.pddb.tryMount(pin);
    return [
      d,
      `formatted ${TEST_PDDB_LEN / 1024 / 1024} MiB, .System mounted, ${d.kernel.listServers().length} servers`,
    ];
  });
  let dump: { bin: string; key: string } | undefined;
  let trace: TraceEntry[] | undefined;
  let coerced: Record<string, number> | undefined;
  try {
    const ctl = await DeviceControl.connect(device);
    const webauthn = new WebAuthnClient(ctl.fido);
    const rp = new DemoRelyingParty('pvault demo');

    await step('secret basis', async () => {
      await device.pddb.createBasis(BASIS, basisPassword);
      return [
        undefined,
        `created and unlocked '${BASIS}': open bases ${(await ctl.unlock(BASIS, basisPassword)).join(', ')}`,
      ];
    });
    await step('TOTP entry', async () => {
      await ctl.totpAdd(
        {
          name: 'demo-totp',
          issuer: 'Example',
          secret: totpSecret,
          algorithm: 'SHA1',
          digits: 6,
          timestep: 30,
          hotp: false,
          notes: '',
        },
        BASIS,
      );
      const code = await ctl.totpCode('demo-totp');
      return [undefined, `'demo-totp' in ${code.basis}: code ${code.code}, ${code.remaining} s left`];
    });
    await step('password entry', async () => {
      const e = await ctl.pwAdd(
        { description: 'example.com', username: 'alice', password: sitePassword, notes: '' },
        BASIS,
      );
      const back = await ctl.pwGet({ description: 'example.com' });
      if (back.password !== sitePassword) throw new Error('the password read back differs');
      return [undefined, `'${e.description}' (${e.username}) in ${e.basis}, read back intact`];
    });
    await ctl.ui.setPolicy({ mode: PolicyMode.Approve });
    const credentialId = await step('FIDO register', async () => {
      const options = await rp.registrationOptions(RP, 'alice');
      const v = await rp.verifyRegistration(RP, 'alice', await webauthn.create(options, { origin: RP.origin }));
      const stored = await ctl.fidoList(RP.rpId);
      return [
        v.credentialId,
        `${RP.rpId} verified a ${v.fmt} registration; the credential is stored in ${stored.map((c) => c.basis).join(', ')}`,
      ];
    });
    await step('FIDO sign in', async () => {
      const options = await rp.authenticationOptions(RP, 'alice');
      const v = await rp.verifyAuthentication(RP, 'alice', await webauthn.get(options, { origin: RP.origin }));
      return [undefined, `${RP.rpId} verified the assertion (counter ${v.counter})`];
    });
    await step('lock the basis', async () => {
      const bases = await ctl.lock(BASIS);
      const [totp, pw, creds] = await Promise.all([ctl.totpList(), ctl.pwList(), ctl.fidoList()]);
      const seen = totp.entries.length + pw.entries.length + creds.length;
      if (seen !== 0) throw new Error(`${seen} entries still visible after the lock`);
      const options = await rp.authenticationOptions(RP, 'alice');
      const refused = await webauthn.get(options, { origin: RP.origin }).then(
        () => undefined,
        (e: unknown) => (e instanceof DOMException ? `${e.name}: ${e.message}` : undefined),
      );
      if (!refused) throw new Error('the credential still signs after the lock');
      return [
        undefined,
        `open bases ${bases.join(', ')}: 0 TOTP, 0 passwords, 0 credentials; sign-in with ${credentialId.slice(0, 10)}... refused (${refused})`,
      ];
    });
    const keys = await step('coerced keys', async () => {
      const k = await device.pddb.exportKeys();
      return [k, `the keys a coerced user can hand over: ${k.map((b) => b.name).join(', ')}`];
    });
    await ctl.close();
    trace = device.kernel.trace.entries();
    if (flag(p, 'trace')) io.err(device.kernel.trace.toSequenceDiagram() + '\n');
    await device.shutdown();
    coerced = await step('export + inspect', async () => {
      dump = writeHostedDump(join(dir, 'demo-dump'), join(dir, 'pddb.bin'), keys);
      const image = readFileSync(dump.bin);
      const found = [totpSecret, sitePassword, basisPassword, 'demo-totp', 'example.com', BASIS].filter((s) =>
        image.includes(s),
      );
      if (found.length > 0) throw new Error(`${found.length} secret(s) found in plain text in the image`);
      // The coerced single-snapshot inspection: every data page classified with .System's keys alone.
      const view = coercedView(MemoryFlash.from(image), keys.find((b) => b.name === '.System')!.keys);
      for (const b of keys) {
        b.keys.data.fill(0);
        b.keys.pt.fill(0);
      }
      const c = view.counts;
      if (c.UsedUnmapped !== 0)
        throw new Error(`${c.UsedUnmapped} pages are marked used but mapped by no .System entry: the basis shows`);
      return [
        view.counts,
        `no secret, entry name or basis name in plain text in the ${image.length}-byte image; ` +
          `coerced view with .System's keys: ${c.System} .System pages, ${c.Listed} listed free, ${c.UsedUnmapped} used-but-unmapped, ` +
          `${c.Unexplained} unexplained (where ${BASIS} hides, among free pages the cache leaves out)`,
      ];
    });
  } catch (e) {
    await device.shutdown().catch(() => {});
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const summary = summarizeTrace(trace);
  const totalMs = Date.now() - started;
  if (!keep) rmSync(dir, { recursive: true, force: true });
  emit({
    json: { ok: true, dir: keep ?? null, steps, coerced, trace: summary, totalMs },
    text: [
      `pvault demo on a temporary device (${keep ? dir : 'deleted afterwards'})`,
      ...steps.map((s) => `  ${s.step.padEnd(18)} ${s.detail} (${s.ms} ms)`),
      '',
      `IPC trace: ${summary.messages} messages, ${summary.errors} failed at the IPC level`,
      ...summary.servers.map((s) => `  ${s.server.padEnd(32)} ${String(s.messages).padStart(5)}  ${s.ops}`),
      `done in ${(totalMs / 1000).toFixed(1)} s${keep ? `; device and dump kept in ${dir}` : '; temporary device deleted'}`,
    ].join('\n'),
  });
}
