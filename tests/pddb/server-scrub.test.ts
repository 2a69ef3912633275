// A lent buffer that carried a secret comes back without it: the server zeroes it before answering in it, and the
// typed client zeroes the pages it lent once the answer is decoded.
import { afterEach, describe, expect, it } from 'vitest';
import { allocPages, pagesFor, type Kernel, type Mode } from '../../transports/ipc/index.ts';
import { BasisRequest, PddbOp } from '../../pddb/api.ts';
import { bootServer, enc, rawConnection } from './server-boot.ts';

let kernel: Kernel | undefined;
afterEach(async () => {
  await kernel?.shutdown();
  kernel = undefined;
});

const contains = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));

describe.each<Mode>(['thread', 'worker'])('PDDB scrubs secrets from lent pages (%s mode)', (mode) => {
  it('a password lent in OpenBasis is gone from the pages when they come back', async () => {
    const s = await bootServer({ mode });
    kernel = s.kernel;
    await s.pddb.createBasis('b', 'correct horse');
    const raw = await rawConnection(kernel.process('app'));
    const bytes = BasisRequest.encodeBytes({ name: enc('b'), password: enc('correct horse') });
    const buf = allocPages(pagesFor(bytes.length));
    buf.bytes.set(bytes);
    buf.offset = bytes.length;
    buf.valid = buf.bytes.length;
    expect(contains(buf.bytes, enc('correct horse'))).toBe(true);
    await raw.mutableBorrow(PddbOp.OpenBasis, buf);
    expect(contains(buf.bytes, enc('correct horse'))).toBe(false);
    expect(await s.pddb.listBasis()).toEqual(['.System', 'b']);
  }, 60_000);
});
