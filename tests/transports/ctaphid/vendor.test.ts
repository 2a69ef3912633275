// The Vault's host backup protocol over a real CTAPHID socket: a host (CtaphidHostClient, driving the commands as
// the original's vaultbackup-rs does) reads out TOTP and password entries in the original's byte layout, writes
// entries back in Wire chunks, gets the original's codes for every malformed request, and a device not in host
// readout mode answers INVALID_CMD. Real file-backed PDDB, real vault servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode } from 'cborg';
import { bootVault, type TestDevice } from '../../vault/vault-device.ts';
import { spawnAuthenticator } from '../../../vault/fido/spawn.ts';
import { attachCtaphid, type AttachedCtaphid } from '../../../transports/ctaphid/attach.ts';
import { CtaphidHostClient } from '../../../transports/ctaphid/host-client.ts';
import { CtaphidError, type HidCommand, HidError } from '../../../transports/ctaphid/protocol.ts';
import { randomBelow, randomBytes, SeededRandom } from '../../../lib/random.ts';
import { HostReadout } from '../../../transports/ctaphid/vendor/host-readout.ts';
import { CONTINUE_RESPONSE, OKAY_CANARY, VendorError } from '../../../transports/ctaphid/vendor/protocol.ts';
import {
  decodeWire,
  encodeWire,
  splitWires,
  WIRE_MAX_DATA,
  WireError,
} from '../../../transports/ctaphid/vendor/wire.ts';

const RESET = 0x74 as HidCommand;
const BACKUP = 0x72 as HidCommand;
const RESTORE = 0x71 as HidCommand;
const TOTP_KIND = 1;
const PASSWORD_KIND = 2;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let dev: TestDevice;
let hid: AttachedCtaphid;
let plain: AttachedCtaphid;

beforeAll(async () => {
  dev = await bootVault({ seed: 'vendor-test' });
  await spawnAuthenticator(dev.kernel, { seed: 'vendor-test' });
  const proc = dev.kernel.process('ctaphid');
  hid = await attachCtaphid(proc, ['tcp:127.0.0.1:0'], { vendor: await HostReadout.connect(proc) });
  plain = await attachCtaphid(dev.kernel.process('ctaphid-plain'), ['tcp:127.0.0.1:0']);
}, 60_000);

afterAll(async () => {
  await hid?.close();
  await plain?.close();
  await dev?.close();
});

async function host(): Promise<CtaphidHostClient> {
  return CtaphidHostClient.connect(hid.listeners[0].url);
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CtaphidError) return e.code;
    throw e;
  }
  throw new Error('expected a CTAPHID ERROR');
}

/** What vaultbackup-rs does for `backup`: reset, then 0x72 {kind} until a chunk says no more. */
async function readOut(h: CtaphidHostClient, kind: number): Promise<{ bytes: Buffer; chunks: number }> {
  expect(hex(await h.transact(RESET, new Uint8Array(0)))).toBe('cafebabe');
  const parts: Uint8Array[] = [];
  for (;;) {
    const w = decodeWire(await h.transact(BACKUP, Uint8Array.of(kind)));
    expect(w.index).toBe(parts.length);
    parts.push(w.data);
    if (!w.more) return { bytes: Buffer.concat(parts), chunks: parts.length };
  }
}

/** What vaultbackup-rs does for `restore`: reset, then each Wire chunk; CONTINUE until the last, then the canary. */
async function writeIn(h: CtaphidHostClient, packet: Uint8Array): Promise<Uint8Array> {
  await h.transact(RESET, new Uint8Array(0));
  const wires = splitWires(packet);
  for (const w of wires.slice(0, -1))
    expect(hex(await h.transact(RESTORE, encodeWire(w)))).toBe(hex(CONTINUE_RESPONSE));
  return h.transact(RESTORE, encodeWire(wires[wires.length - 1]));
}

describe('Wire chunks', () => {
  it('encode as the original map {1: index, 2: size, 3: more, 4: bytes}, byte for byte', () => {
    expect(hex(encodeWire({ index: 0, more: false, data: Uint8Array.of(1, 2) }))).toBe(
      'a4010002020' + '3f4' + '04420102',
    );
    expect(hex(encodeWire({ index: 3, more: true, data: new Uint8Array(0) }))).toBe('a40103020003f50440');
  });

  it('split at 7588 bytes, the last without more; an empty packet is still one chunk', () => {
    const w = splitWires(new Uint8Array(WIRE_MAX_DATA * 2 + 1));
    expect(w.map((c) => [c.index, c.data.length, c.more])).toEqual([
      [0, WIRE_MAX_DATA, true],
      [1, WIRE_MAX_DATA, true],
      [2, 1, false],
    ]);
    expect(splitWires(new Uint8Array(WIRE_MAX_DATA)).map((c) => c.more)).toEqual([false]);
    expect(splitWires(new Uint8Array(0)).map((c) => [c.index, c.more])).toEqual([[0, false]]);
    // The largest chunk still fits one CTAPHID message.
    expect(encodeWire(w[0]).length).toBeLessThanOrEqual(7609);
  });

  it('decoding refuses anything but a well-typed map whose size matches, with nothing after it', () => {
    const ok = encodeWire({ index: 1, more: true, data: Uint8Array.of(9) });
    expect(decodeWire(ok)).toEqual({ index: 1, more: true, data: Uint8Array.of(9) });
    const bad = [
      new Uint8Array(0),
      Uint8Array.of(...ok, 0),
      ok.subarray(0, ok.length - 1),
      encode([1, 2, 3, 4]),
      encode(
        new Map<number, unknown>([
          [1, -1],
          [2, 0],
          [3, false],
          [4, new Uint8Array(0)],
        ]),
      ),
      encode(
        new Map<number, unknown>([
          [1, 0],
          [2, 0],
          [3, 1],
          [4, new Uint8Array(0)],
        ]),
      ),
      encode(
        new Map<number, unknown>([
          [1, 0],
          [2, 1],
          [3, false],
          [4, 'x'],
        ]),
      ),
      encode(
        new Map<number, unknown>([
          [1, 0],
          [2, 0],
          [3, false],
        ]),
      ),
    ];
    for (const b of bad) expect(() => decodeWire(b), hex(b)).toThrow(WireError);
  });
});

describe('host readout over CTAPHID (vendor commands 0x71 / 0x72 / 0x74)', () => {
  it('reads out TOTP entries in the original DataPacket layout, byte for byte', async () => {
    await dev.totp.add({
      name: 'github',
      issuer: '',
      secret: 'JBSWY3DPEHPK3PXP',
      algorithm: 'SHA1',
      digits: 6,
      timestep: 30,
      hotp: false,
      notes: '',
    });
    const h = await host();
    try {
      const { bytes, chunks } = await readOut(h, TOTP_KIND);
      expect(chunks).toBe(1);
      // {1: 2 (TOTP), 2: [{1: 30, 2: "JBSWY3DPEHPK3PXP", 3: 6, 4: 1 (SHA1), 5: "github"}]}, canonical CBOR as the
      // original's cbor::write emits it, written out by hand.
      const expected =
        'a20102' +
        '0281a5' +
        '01181e' +
        '0270' +
        Buffer.from('JBSWY3DPEHPK3PXP').toString('hex') +
        '0306' +
        '0401' +
        '0566' +
        Buffer.from('github').toString('hex');
      expect(bytes.toString('hex')).toBe(expected);
      // Asked again after the last chunk: the original's "no more chunks", until a reset.
      expect(await code(h.transact(BACKUP, Uint8Array.of(TOTP_KIND)))).toBe(VendorError.NoMoreChunks);
    } finally {
      h.close();
    }
  });

  it('reads out passwords over several Wire chunks, indexes in order, more set on all but the last', async () => {
    for (let i = 0; i < 4; i++) {
      await dev.passwords.add({
        description: `site${i}`,
        username: `user${i}`,
        password: `pw-${i}-secret`,
        notes: String(i).repeat(3000),
      });
    }
    const h = await host();
    try {
      const { bytes, chunks } = await readOut(h, PASSWORD_KIND);
      expect(chunks).toBe(Math.ceil(bytes.length / WIRE_MAX_DATA));
      expect(chunks).toBeGreaterThan(1);
      const packet = decode(bytes, { useMaps: true }) as Map<number, unknown>;
      expect(packet.get(1)).toBe(1); // Password
      const entries = packet.get(2) as Map<number, string>[];
      expect(entries.map((e) => [e.get(1), e.get(2), e.get(3)]).sort()).toEqual(
        [0, 1, 2, 3].map((i) => [`site${i}`, `user${i}`, `pw-${i}-secret`]),
      );
      expect(entries.every((e) => [...e.keys()].join() === '1,2,3,4' && e.get(4)!.length === 3000)).toBe(true);
    } finally {
      h.close();
    }
  });

  it('writes entries back in chunks into the latest basis, duplicates skipped, the HOTP flag kept', async () => {
    const long = 'n'.repeat(4000);
    const packet = encode(
      new Map<number, unknown>([
        [1, 1],
        [
          2,
          [0, 1, 2]
            .map(
              (i) =>
                new Map<number, unknown>([
                  [1, `restored${i}`],
                  [2, 'me'],
                  [3, `r-${i}`],
                  [4, long],
                ]),
            )
            .concat([
              new Map<number, unknown>([
                [1, 'kept'],
                [2, 'me'],
                [3, 'CHANGED'],
                [4, ''],
              ]),
            ]),
        ],
      ]),
    );
    await dev.passwords.add({ description: 'kept', username: 'me', password: 'original', notes: '' });
    const h = await host();
    try {
      expect(splitWires(packet).length).toBeGreaterThan(1);
      expect(hex(await writeIn(h, packet))).toBe(hex(OKAY_CANARY));
      expect((await dev.passwords.get({ description: 'restored2', username: 'me' })).record.password).toBe('r-2');
      // kept/me existed: not overwritten (the original's rule).
      expect((await dev.passwords.get({ description: 'kept', username: 'me' })).record.password).toBe('original');

      const totp = encode(
        new Map<number, unknown>([
          [1, 2],
          [
            2,
            [
              new Map<number, unknown>([
                [1, 7],
                [2, 'GEZDGNBVGY3TQOJQ'],
                [3, 8],
                [4, 3],
                [5, 'counter'],
                [6, true],
              ]),
            ],
          ],
        ]),
      );
      expect(hex(await writeIn(h, totp))).toBe('cafebabe');
      const r = (await dev.totp.get('counter')).record;
      expect([r.hotp, r.timestep, r.digits, r.algorithm]).toEqual([true, 7, 8, 'SHA512']);
      // And it reads out again with the flag.
      const back = decode((await readOut(h, TOTP_KIND)).bytes, { useMaps: true }) as Map<
        number,
        Map<number, unknown>[]
      >;
      expect(
        back
          .get(2)!
          .find((e) => e.get(5) === 'counter')
          ?.get(6),
      ).toBe(true);
    } finally {
      h.close();
    }
  });

  it('answers malformed requests with the original codes and stores nothing from them', async () => {
    const h = await host();
    try {
      await h.transact(RESET, new Uint8Array(0));
      expect(await code(h.transact(RESTORE, Uint8Array.of(0xff, 0x00)))).toBe(VendorError.BadRequest);
      expect(
        await code(
          h.transact(
            RESTORE,
            encode(
              new Map<number, unknown>([
                [1, 0],
                [2, 5],
                [3, false],
                [4, new Uint8Array(4)],
              ]),
            ),
          ),
        ),
      ).toBe(VendorError.BadRequest);
      expect(await code(h.transact(BACKUP, Uint8Array.of(3)))).toBe(VendorError.BadRequest);
      expect(await code(h.transact(BACKUP, new Uint8Array(0)))).toBe(VendorError.BadRequest);
      // A first chunk that is not index 0, and a chunk that skips one.
      expect(await code(h.transact(RESTORE, encodeWire({ index: 1, more: false, data: new Uint8Array(1) })))).toBe(
        VendorError.Session,
      );
      const wires = splitWires(new Uint8Array(WIRE_MAX_DATA * 3));
      expect(hex(await h.transact(RESTORE, encodeWire(wires[0])))).toBe(hex(CONTINUE_RESPONSE));
      expect(await code(h.transact(RESTORE, encodeWire(wires[2])))).toBe(VendorError.Session);
      // A backup asked in the middle of a restore.
      await h.transact(RESTORE, encodeWire(wires[0]));
      expect(await code(h.transact(BACKUP, Uint8Array.of(TOTP_KIND)))).toBe(VendorError.Session);
      // A packet with one bad entry (SHA-3 is not 1..3): refused whole, the good entry beside it not stored.
      const bad = encode(
        new Map<number, unknown>([
          [1, 2],
          [
            2,
            [
              new Map<number, unknown>([
                [1, 30],
                [2, 'JBSWY3DPEHPK3PXP'],
                [3, 6],
                [4, 1],
                [5, 'good'],
              ]),
              new Map<number, unknown>([
                [1, 30],
                [2, 'JBSWY3DPEHPK3PXP'],
                [3, 6],
                [4, 9],
                [5, 'bad'],
              ]),
            ],
          ],
        ]),
      );
      expect(await code(writeIn(h, bad))).toBe(VendorError.RestoreFailed);
      expect(await code(writeIn(h, Uint8Array.of(0xa1, 0x01)))).toBe(VendorError.RestoreFailed);
      expect((await dev.totp.list()).entries.map((e) => e.name)).not.toContain('good');
      // After all that, a clean session still works and the device still answers FIDO.
      expect((await readOut(h, PASSWORD_KIND)).bytes.length).toBeGreaterThan(0);
      expect(hex(await h.ping(Uint8Array.of(1, 2, 3)))).toBe('010203');
    } finally {
      h.close();
    }
  });

  it('random and mutated vendor requests get an answer or a known code, and stored entries stay readable', async () => {
    const rng = new SeededRandom('vendor-fuzz');
    const before = (await dev.passwords.list()).entries.length;
    const valid = encodeWire({
      index: 0,
      more: false,
      data: encode(
        new Map<number, unknown>([
          [1, 1],
          [2, []],
        ]),
      ),
    });
    const known = new Set<number>(Object.values(VendorError).filter((v) => typeof v === 'number') as number[]);
    const h = await host();
    try {
      for (let i = 0; i < 300; i++) {
        const cmd = [RESET, BACKUP, RESTORE][randomBelow(rng, 3)];
        let payload = randomBytes(rng, randomBelow(rng, 40));
        if (cmd === RESTORE && randomBelow(rng, 2) === 0) {
          payload = Uint8Array.from(valid);
          payload[randomBelow(rng, payload.length)] ^= 1 << randomBelow(rng, 8);
        }
        if (cmd === BACKUP && randomBelow(rng, 2) === 0) payload = Uint8Array.of(randomBelow(rng, 4));
        const answer = await h.transact(cmd, payload, { timeoutMs: 10_000 }).then(
          () => undefined,
          (e) => e,
        );
        if (answer !== undefined)
          expect(answer instanceof CtaphidError && known.has(answer.code), String(answer)).toBe(true);
      }
      expect((await dev.passwords.list()).entries.length).toBeGreaterThanOrEqual(before);
      expect((await readOut(h, PASSWORD_KIND)).bytes.length).toBeGreaterThan(0);
    } finally {
      h.close();
    }
  }, 60_000);

  it('a session belongs to the channel that opened it', async () => {
    const a = await host();
    const b = await host();
    try {
      await a.transact(RESET, new Uint8Array(0));
      await a.transact(BACKUP, Uint8Array.of(PASSWORD_KIND));
      expect(await code(b.transact(BACKUP, Uint8Array.of(PASSWORD_KIND)))).toBe(VendorError.Session);
    } finally {
      a.close();
      b.close();
    }
  });

  it('without host readout, every vendor command is INVALID_CMD', async () => {
    const h = await CtaphidHostClient.connect(plain.listeners[0].url);
    try {
      for (const cmd of [RESET, BACKUP, RESTORE])
        expect(await code(h.transact(cmd, Uint8Array.of(TOTP_KIND)))).toBe(HidError.InvalidCmd);
    } finally {
      h.close();
    }
  });
});
