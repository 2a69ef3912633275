// The UHID transport where /dev/uhid is usable: a real HID device appears, and a hidraw host (what libfido2 and
// browsers open) gets INIT and PING answered by the same channel machine the sockets use. Where /dev/uhid is not
// usable (containers, CI), those tests skip, their names saying why, and what runs instead is the refusal: a clear
// UhidUnavailable, and `pvault serve --uhid` failing before it boots anything.
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { read, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { json, run } from '../../bin/pvault-run.ts';
import { startAuthenticator } from '../../../vault/fido/in-process.ts';
import { attachCtaphid } from '../../../transports/ctaphid/attach.ts';
import { framePackets, parsePacket } from '../../../transports/ctaphid/packet.ts';
import { BROADCAST_CID, HidCommand } from '../../../transports/ctaphid/protocol.ts';
import { UhidTransport, UhidUnavailable, uhidProblem } from '../../../transports/uhid/uhid-transport.ts';

const problem = uhidProblem();
const scratch = mkdtempSync(join(tmpdir(), 'pvault-uhid-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('UHID transport: refusal', () => {
  it('a missing device node is UhidUnavailable, saying how to get one', async () => {
    const err = await UhidTransport.open(undefined as never, { path: join(scratch, 'no-uhid') }).catch((e) => e);
    expect(err).toBeInstanceOf(UhidUnavailable);
    expect(err.message).toMatch(/does not exist.*modprobe uhid/);
  });

  it('a path that cannot be opened read-write is UhidUnavailable, naming the reason', async () => {
    const err = await UhidTransport.open(undefined as never, { path: scratch }).catch((e) => e);
    expect(err).toBeInstanceOf(UhidUnavailable);
    expect(err.message).toContain(scratch);
  });

  it.skipIf(!problem)(`pvault serve --uhid fails at once with the reason (here: ${problem ?? 'n/a'})`, () => {
    const dir = join(scratch, 'never-booted');
    const r = run(['serve', '--uhid', '--presence', 'approve', '--http', 'off', '--json', '--dir', dir]);
    expect(r.status).toBe(1);
    const out = json(r);
    expect(out.ok).toBe(false);
    expect(out.error.code).toBe('UhidUnavailable');
    expect(out.error.message).toContain('/dev/uhid');
    expect(existsSync(dir)).toBe(false); // refused before the folder was made or a device formatted
  });
});

/** The hidraw node the kernel made for our device, found by its uniq string. */
function findHidraw(uniq: string): string | undefined {
  for (const n of readdirSync('/sys/class/hidraw')) {
    const uevent = readFileSync(`/sys/class/hidraw/${n}/device/uevent`, 'utf8');
    if (uevent.includes(`HID_UNIQ=${uniq}`)) return `/dev/${n}`;
  }
  return undefined;
}

describe('UHID transport: a real device', () => {
  it.skipIf(problem)(
    `a hidraw host gets INIT and PING answered${problem ? ` (skipped: ${problem})` : ''}`,
    async () => {
      const auth = await startAuthenticator({ seed: 'uhid' });
      const hid = await attachCtaphid(auth.kernel.process('ctaphid'), []);
      const uniq = `pvault-test-${process.pid}`;
      const uhid = await UhidTransport.open(hid.device, { uniq });
      let fd: number | undefined;
      try {
        let node: string | undefined;
        for (let i = 0; i < 100 && !(node = findHidraw(uniq)); i++) await new Promise((r) => setTimeout(r, 50));
        expect(node, 'the kernel made a hidraw node').toBeDefined();
        fd = openSync(node!, 'r+');
        const send = async (report: Uint8Array) => {
          const out = Buffer.alloc(65); // report number 0, then the 64-byte report
          out.set(report, 1);
          await promisify(write)(fd!, out, 0, 65, null);
        };
        const receive = async () => {
          const buf = Buffer.alloc(64);
          const { bytesRead } = await promisify(read)(fd!, buf, 0, 64, null);
          return parsePacket(buf.subarray(0, bytesRead));
        };
        const nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
        await send(framePackets(BROADCAST_CID, HidCommand.Init, nonce)[0]);
        const init = await receive();
        expect(
          init.kind === 'init' &&
            init.cmd === HidCommand.Init &&
            Buffer.from(init.data.subarray(0, 8)).equals(Buffer.from(nonce)),
        ).toBe(true);
        const cid = init.kind === 'init' ? new DataView(init.data.buffer, init.data.byteOffset).getUint32(8) : 0;
        await send(framePackets(cid, HidCommand.Ping, Uint8Array.of(9, 8, 7))[0]);
        const pong = await receive();
        expect(pong.kind === 'init' && pong.cmd === HidCommand.Ping && pong.bcnt === 3).toBe(true);
      } finally {
        if (fd !== undefined) closeSync(fd);
        await uhid.close();
        await hid.close();
        await auth.shutdown();
      }
    },
    30_000,
  );
});
