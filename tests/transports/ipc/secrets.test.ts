// Secrets and the kernel, in both modes: a field marked secret shows as `<secret>` in traces (not its size, not
// whether it is there), and the memory of a `wipe` opcode is zeroed once the server is done with it, even where a
// careless handler kept a reference to it.
import { afterEach, describe, expect, it } from 'vitest';
import { allocPages, codec, codecFromSchema, t, type Kernel } from '../../../transports/ipc/index.ts';
import { Writer } from '../../../transports/ipc/codec-wire.ts';
import { KeepOp, keeperOps, Login } from './fixtures/api.ts';
import { kernel, MODES } from './helpers.ts';

const KEEPER = new URL('./fixtures/keeper.ts', import.meta.url);
const PASSWORD = 'correct horse battery';
const login = {
  user: 'alice',
  password: PASSWORD,
  basis: 'hidden-basis',
  keys: [new Uint8Array(32).fill(7)],
  attempts: 2,
};

describe('secret fields in the codec', () => {
  it('view() shows <secret> for every kind of secret value, present or absent, whatever its size', () => {
    const C = codec(
      t.record({
        name: t.string(16, { public: true }),
        pin: t.string(16, { secret: true }),
        key: t.bytes(32, { secret: true }),
        counter: t.u64({ secret: true }),
        basis: t.optional(t.string(64, { secret: true })),
        names: t.list(t.string(8, { secret: true }), 4),
        hidden: t.list(t.u8(), 4, { secret: true }),
        inner: t.record({ dict: t.string(8, { secret: true }), n: t.u8({ public: true }) }, { public: true }),
        size: t.string(8),
      }),
    );
    const base = {
      name: 'n',
      pin: '1234',
      key: new Uint8Array(3),
      counter: 5n,
      names: ['a', 'bb'],
      hidden: [1],
      inner: { dict: 'd', n: 1 },
      size: 'abc',
    };
    expect(C.view({ ...base, basis: 'x' })).toEqual({
      name: 'n',
      pin: '<secret>',
      key: '<secret>',
      counter: '<secret>',
      basis: '<secret>',
      names: ['<secret>', '<secret>'],
      hidden: '<secret>',
      inner: { dict: '<secret>', n: 1 },
      size: '<3 bytes>', // not marked: shown by size, as before
    });
    expect((C.view(base) as { basis: unknown }).basis).toBe('<secret>'); // absence looks like presence
  });

  it('a field cannot be both public and secret', () => {
    expect(() => t.string(8, { public: true, secret: true })).toThrow(RangeError);
  });

  it('secrecy travels with the schema and is part of its fingerprint', () => {
    const secret = codec(t.record({ pin: t.string(8, { secret: true }) }));
    const plain = codec(t.record({ pin: t.string(8) }));
    expect(secret.fingerprint).not.toBe(plain.fingerprint);
    const remote = codecFromSchema(structuredClone(secret.schema));
    expect(remote.fingerprint).toBe(secret.fingerprint);
    expect(remote.view({ pin: '1234' })).toEqual({ pin: '<secret>' });
    expect(codecFromSchema(structuredClone(plain.schema)).view({ pin: '1234' })).toEqual({ pin: '<4 bytes>' });
  });

  it('encoding leaves nothing in the shared scratch buffer, also when the value is refused half-way', () => {
    const used = () => Writer.shared().buf.some((b) => b !== 0);
    Login.encode(login);
    expect(used()).toBe(false);
    Login.encodeInto(login, allocPages(1));
    expect(used()).toBe(false);
    expect(
      Login.decode({ bytes: Login.encodeBytes(login), offset: Login.encodeBytes(login).length, valid: 0 }),
    ).toEqual(login);
    expect(used()).toBe(false);
    expect(() => Login.encode({ ...login, attempts: -1 })).toThrow();
    expect(used()).toBe(false);
  });
});

describe.each(MODES)('secrets through the kernel (%s mode)', (mode) => {
  let k: Kernel;
  afterEach(() => k?.shutdown());

  async function keeper(trace = false) {
    k = kernel(mode, trace);
    await k.spawn({ name: 'keeper-proc', module: KEEPER });
    return k.process('app').connect('keeper', { api: keeperOps });
  }

  it('a MutableBorrow of a wipe opcode: the caller gets the answer, the memory the server kept is zeroed', async () => {
    const c = await keeper();
    const buf = allocPages(2);
    buf.bytes.fill(0x11);
    await c.mutableBorrow(KeepOp.Lend, buf);
    expect(buf.bytes.every((b) => b === 0x5a)).toBe(true);
    expect(await c.blockingScalar(KeepOp.Kept)).toEqual([0, 8192, 0, 0]);
  });

  it('without wipe the kept memory still holds the data (the control case)', async () => {
    const c = await keeper();
    await c.mutableBorrow(KeepOp.LendPlain, allocPages(1));
    expect(await c.blockingScalar(KeepOp.Kept)).toEqual([0x5a * 4096, 4096, 0, 0]);
  });

  it('a Borrow and a Move of a wipe opcode are zeroed once handled; the caller keeps its own Borrow memory', async () => {
    const c = await keeper();
    const lent = allocPages(1);
    lent.bytes.fill(3);
    await c.borrow(KeepOp.Show, lent);
    expect(await c.blockingScalar(KeepOp.Kept)).toEqual([0, 4096, 0, 0]);
    expect(lent.bytes.every((b) => b === 3)).toBe(true);
    const given = allocPages(1);
    given.bytes.fill(9);
    await c.move(KeepOp.Give, given);
    expect(await c.blockingScalar(KeepOp.Kept)).toEqual([0, 4096, 0, 0]);
  });

  it('request() with secret fields: the answer arrives, the server-side copy is zeroed', async () => {
    const c = await keeper();
    const r = await c.request(KeepOp.SignIn, login);
    expect(r).toEqual({ ...login, password: [...PASSWORD].reverse().join('') });
    const [sum] = await c.blockingScalar(KeepOp.Kept);
    expect(sum).toBe(0);
  });

  it('traces show <secret> for secret fields, in JSON and in the diagram; never the value or its size', async () => {
    const c = await keeper(true);
    await c.request(KeepOp.SignIn, login);
    const e = k.trace.entries().find((x) => x.op === 'SignIn')!;
    expect(e.request).toEqual({
      user: 'alice',
      password: '<secret>',
      basis: '<secret>',
      keys: ['<secret>'],
      attempts: '<u32>',
    });
    expect(e.response).toMatchObject({ user: 'alice', password: '<secret>', basis: '<secret>' });
    const all = JSON.stringify(k.trace.toJSON()) + k.trace.toSequenceDiagram();
    expect(all).toContain('<secret>');
    for (const leak of [PASSWORD, 'hidden-basis', `<${PASSWORD.length} bytes>`, '<12 bytes>'])
      expect(all).not.toContain(leak);
  });
});
