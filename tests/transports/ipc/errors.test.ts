// Bad input, in both modes: every malformed thing a client can send gets a typed error, and afterwards the kernel,
// the server that got it and the other servers all still work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allocPages,
  bufferFrom,
  INVALID_OPCODE,
  IpcError,
  WRONG_KIND,
  XousError,
  type ClientProcess,
  type Connection,
  type Kernel,
  type PageBuffer,
} from '../../../transports/ipc/index.ts';
import { Tag } from '../../../transports/ipc/codec-wire.ts';
import { echoOps, Note, Op, Text } from './fixtures/api.ts';
import { expectCode, kernel, MODES, spawnEcho } from './helpers.ts';

const goodNote = { title: 't', secret: new Uint8Array(2), count: 1, big: 1n, flag: false, items: [] };

describe.each(MODES)('bad input (%s mode)', (mode) => {
  let k: Kernel;
  let client: ClientProcess;
  let echo: Connection<typeof echoOps>;
  let other: Connection<typeof echoOps>;

  beforeAll(async () => {
    k = kernel(mode);
    await spawnEcho(k);
    await spawnEcho(k, { name: 'bystander' }, 'bystander-proc');
    client = k.process('client');
    echo = await client.connect('echo', { api: echoOps });
    other = await client.connect('bystander', { api: echoOps });
  });
  afterAll(() => k.shutdown());

  /** After each bad input: the server that got it, another server, and the name server still answer. */
  async function stillWorks(): Promise<void> {
    expect(await echo.blockingScalar(Op.Add, [1, 2])).toEqual([3, 0, 0, client.pid]);
    expect(await other.blockingScalar(Op.Add, [3, 4])).toEqual([7, 0, 0, client.pid]);
    expect((await echo.request(Op.Upper, { text: 'ok' })).text).toBe('OK');
    expect((await client.lookup('bystander')).cid).toBe(other.cid);
  }

  it("an unknown opcode fails the caller (InvalidCoding, the issue's InvalidOpcode), for every kind", async () => {
    expect(INVALID_OPCODE).toBe(XousError.InvalidCoding);
    await expectCode(echo.blockingScalar(999 as Op), XousError.InvalidCoding);
    await expectCode(echo.scalar(999 as Op), XousError.InvalidCoding);
    await expectCode(echo.mutableBorrow(999 as Op, allocPages(1)), XousError.InvalidCoding);
    await expectCode(echo.move(999 as Op, allocPages(1)), XousError.InvalidCoding);
    await stillWorks();
  });

  it('a kind the opcode does not take fails the caller (InvalidArgument)', async () => {
    expect(WRONG_KIND).toBe(XousError.InvalidArgument);
    await expectCode(echo.scalar(Op.Add), XousError.InvalidArgument);
    await expectCode(echo.blockingScalar(Op.Bump), XousError.InvalidArgument);
    await expectCode(echo.borrow(Op.Fill, allocPages(1)), XousError.InvalidArgument);
    await expectCode(echo.mutableBorrow(Op.Take, allocPages(1)), XousError.InvalidArgument);
    const keep = allocPages(1);
    await expectCode(echo.move(Op.Sum, keep), XousError.InvalidArgument);
    expect(keep.bytes.length).toBe(4096); // a refused move takes nothing
    await stillWorks();
  });

  it('unaligned lends are BadAlignment; zero-length memory is BadAddress', async () => {
    await expectCode(echo.borrow(Op.Sum, { bytes: new Uint8Array(100), offset: 0, valid: 0 }), XousError.BadAlignment);
    await expectCode(
      echo.mutableBorrow(Op.Fill, { bytes: new Uint8Array(4097), offset: 0, valid: 0 }),
      XousError.BadAlignment,
    );
    const big = new Uint8Array(3 * 4096);
    await expectCode(
      echo.borrow(Op.Sum, { bytes: big.subarray(100, 100 + 4096), offset: 0, valid: 0 }),
      XousError.BadAlignment,
    );
    await expectCode(echo.borrow(Op.Sum, { bytes: new Uint8Array(0), offset: 0, valid: 0 }), XousError.BadAddress);
    await expectCode(echo.borrow(Op.Sum, undefined as unknown as PageBuffer), XousError.BadAddress);
    // A page-aligned window into a larger buffer is a fine lend.
    await echo.borrow(Op.Sum, { bytes: big.subarray(4096, 8192), offset: 0, valid: 0 });
    await stillWorks();
  });

  it('a bad move is BadAddress: unaligned, zero length, part of a buffer, shared memory', async () => {
    const keep = new Uint8Array(4096 * 2);
    await expectCode(echo.move(Op.Take, { bytes: new Uint8Array(10), offset: 0, valid: 0 }), XousError.BadAddress);
    await expectCode(echo.move(Op.Take, { bytes: new Uint8Array(0), offset: 0, valid: 0 }), XousError.BadAddress);
    await expectCode(echo.move(Op.Take, { bytes: keep.subarray(4096), offset: 0, valid: 0 }), XousError.BadAddress);
    await expectCode(
      echo.move(Op.Take, { bytes: new Uint8Array(new SharedArrayBuffer(4096)), offset: 0, valid: 0 }),
      XousError.BadAddress,
    );
    expect(keep.buffer.byteLength).toBe(8192);
    await stillWorks();
  });

  it('offset/valid outside the buffer are BadAddress; garbage the server sets is clamped to 0', async () => {
    await expectCode(
      echo.borrow(Op.Sum, { bytes: new Uint8Array(4096), offset: 5000, valid: 0 }),
      XousError.BadAddress,
    );
    await expectCode(echo.borrow(Op.Sum, { bytes: new Uint8Array(4096), offset: -1, valid: 0 }), XousError.BadAddress);
    await stillWorks();
  });

  describe('codec buffers sent raw to an opcode with a request codec', () => {
    const valid = () => Note.encode(goodNote);

    it('truncated: SerializationError', async () => {
      const b = valid();
      for (const cut of [0, 1, 3, 4, 5, b.offset - 1]) {
        const t = allocPages(1);
        t.bytes.set(b.bytes.subarray(0, cut));
        t.offset = cut;
        await expectCode(echo.mutableBorrow(Op.Echo, t), XousError.SerializationError);
      }
      await stillWorks();
    });

    it('garbage: SerializationError', async () => {
      const t = allocPages(1);
      for (let i = 0; i < t.bytes.length; i++) t.bytes[i] = (i * 131 + 7) & 0xff;
      t.offset = 200;
      await expectCode(echo.mutableBorrow(Op.Echo, t), XousError.SerializationError);
      // Right header, garbage after it.
      const g = valid();
      g.bytes.fill(0xff, 4, g.offset);
      await expectCode(echo.mutableBorrow(Op.Echo, g), XousError.SerializationError);
      await stillWorks();
    });

    it('over-long string: SerializationError before anything is read', async () => {
      // A Text whose declared length exceeds the 200-byte limit (the bytes are even there).
      const b = Text.encode({ text: 'x' });
      const dv = new DataView(b.bytes.buffer);
      dv.setUint32(4 + 1 + 1 + 1, 300, true); // header, record tag, field count, string tag, then the length
      b.offset = 4 + 3 + 4 + 300;
      await expectCode(echo.mutableBorrow(Op.Upper, b), XousError.SerializationError);
      // A length claiming more bytes than the buffer holds.
      dv.setUint32(7, 150, true);
      b.offset = 12;
      await expectCode(echo.mutableBorrow(Op.Upper, b), XousError.SerializationError);
      await stillWorks();
    });

    it('wrong type tag: SerializationError', async () => {
      const b = Text.encode({ text: 'abc' });
      b.bytes[6] = Tag.Bytes; // where the string tag belongs
      await expectCode(echo.mutableBorrow(Op.Upper, b), XousError.SerializationError);
      await stillWorks();
    });

    it('trailing junk after a valid value: SerializationError', async () => {
      const b = Text.encode({ text: 'abc' });
      b.offset += 3;
      await expectCode(echo.mutableBorrow(Op.Upper, b), XousError.SerializationError);
      await stillWorks();
    });

    it('invalid UTF-8: InvalidString', async () => {
      const b = Text.encode({ text: 'abc' });
      b.bytes[11] = 0xff;
      await expectCode(echo.mutableBorrow(Op.Upper, b), XousError.InvalidString);
      await stillWorks();
    });

    it('a buffer encoded with another schema: SerializationError (fingerprint)', async () => {
      await expectCode(echo.mutableBorrow(Op.Upper, Note.encode(goodNote)), XousError.SerializationError);
      await stillWorks();
    });

    it('offset beyond the buffer is refused by the kernel (BadAddress)', async () => {
      const b = bufferFrom(new Uint8Array(10));
      b.offset = 4097;
      await expectCode(echo.mutableBorrow(Op.Upper, b), XousError.BadAddress);
      await stillWorks();
    });

    it('request() refuses values the codec cannot encode, before sending', async () => {
      await expectCode(echo.request(Op.Upper, { text: 'x'.repeat(201) }), XousError.SerializationError);
      await expectCode(echo.request(Op.Upper, { text: 5 as unknown as string }), XousError.SerializationError);
      await expectCode(echo.request(Op.Upper, { text: '\ud800' }), XousError.InvalidString);
      await expectCode(echo.request(Op.Add as never, { text: 'x' } as never), XousError.InvalidArgument);
      await stillWorks();
    });
  });

  it('a handler that throws IpcError fails the caller with that code; its message stays in the server', async () => {
    const e = await expectCode(echo.blockingScalar(Op.Throw), XousError.AccessDenied);
    expect(e.message).not.toContain('1234');
    await stillWorks();
  });

  it('a handler that throws anything else fails the caller with InternalError', async () => {
    const e = await expectCode(echo.blockingScalar(Op.Crash), XousError.InternalError);
    expect(e.message).not.toContain('hunter2');
    await expectCode(echo.mutableBorrow(Op.Crash, allocPages(1)), XousError.InternalError);
    await echo.scalar(Op.Crash); // nobody to tell: the sender has gone on, and the server keeps serving
    await stillWorks();
  });

  it("a failed MutableBorrow leaves the caller's memory as it was", async () => {
    const b = allocPages(1);
    b.bytes.fill(9);
    await expectCode(echo.mutableBorrow(Op.Crash, b), XousError.InternalError);
    expect(b.bytes.every((x) => x === 9)).toBe(true);
  });

  it('a BlockingScalar the server drops without replying fails with InternalError (the original hangs)', async () => {
    await expectCode(echo.blockingScalar(Op.Drop), XousError.InternalError);
    await stillWorks();
  });

  it("the server checks opcode and kind again itself (a message that got past the kernel's check)", async () => {
    // Straight to the route, as a buggy or hostile client transport would.
    await expectCode(echo.route.blockingScalar(client.pid, 999, [0, 0, 0, 0], false), XousError.InvalidCoding);
    await expectCode(echo.route.blockingScalar(client.pid, Op.Fill, [0, 0, 0, 0], false), XousError.InvalidArgument);
    await expectCode(echo.route.lend(client.pid, true, Op.Add, allocPages(1), false), XousError.InvalidArgument);
    await stillWorks();
  });

  it('errors are IpcError instances with a readable message naming the code and place', async () => {
    const e = await expectCode(echo.blockingScalar(Op.Throw), XousError.AccessDenied);
    expect(e).toBeInstanceOf(IpcError);
    expect(e.message).toMatch(/^AccessDenied \(23\): .*'echo'/);
  });
});
