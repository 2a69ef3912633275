// The negative checklist (FIDO conformance tool / CTAP2-test-tool areas): every malformed or refused request gets
// its exact CTAP status, and the authenticator keeps serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'cborg';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { CtapStatus as S } from '../../../vault/fido/status.ts';
import { PolicyMode, Presence } from '../../../vault/ui/api.ts';
import { authenticate, ctap, makeCredentialParams, parseReply, PinSession, register, RP, sha256 } from './platform.ts';

const cdh = sha256('client data');
const raw = async (dev: InProcessAuthenticator, hex: string) =>
  parseReply(await dev.fido.cbor(Uint8Array.from(Buffer.from(hex, 'hex')))).status;
const mc = (o: Parameters<typeof makeCredentialParams>[0] = {}) => makeCredentialParams(o, cdh);

describe('CBOR layer and command dispatch', () => {
  let dev: InProcessAuthenticator;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'neg-cbor' });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  });
  afterAll(() => dev.shutdown());

  it.each([
    ['truncated map', '01a101', S.InvalidCbor],
    ['truncated byte string', '01a1015820aa', S.InvalidCbor],
    ['trailing bytes', '04a0' + '00', S.InvalidCbor],
    ['duplicate keys', '02a2016161016162', S.InvalidCbor],
    ['unsorted keys', '02a2026161016162', S.InvalidCbor],
    ['non-shortest integer', '02a1180161 61'.replace(' ', ''), S.InvalidCbor],
    ['indefinite-length map', '02bf016161ff', S.InvalidCbor],
    ['a tag', '02a101c16161', S.InvalidCbor],
    ['nesting deeper than 4', '02a1018181818180', S.InvalidCbor],
    ['parameters not a map', '0280', S.CborUnexpectedType],
    ['unknown command', '55a0', S.InvalidCommand],
    ['empty message', '', S.InvalidLength],
    ['makeCredential without parameters', '01', S.MissingParameter],
  ])('%s', async (_what, hex, status) => {
    expect(await raw(dev, hex)).toBe(status);
  });

  it('unknown keys are ignored, and answers are canonical CBOR', async () => {
    const m = mc();
    m.set(0x20, 'future');
    const r = await ctap(dev.fido, 0x01, m);
    expect(r.status).toBe(0);
    const info = await ctap(dev.fido, 0x04);
    expect(info.status).toBe(0);
    expect((info.body!.get(1) as string[]).includes('FIDO_2_1')).toBe(true);
  });
});

describe('makeCredential / getAssertion refusals', () => {
  let dev: InProcessAuthenticator;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'neg-mc', ui: { timeoutMs: 300 } });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  });
  afterAll(() => dev.shutdown());

  const cases: [string, () => Map<number, unknown>, S][] = [
    ['clientDataHash as text', () => new Map([...mc(), [1, 'x']]), S.CborUnexpectedType],
    [
      'rp missing',
      () => {
        const m = mc();
        m.delete(2);
        return m;
      },
      S.MissingParameter,
    ],
    [
      'user missing',
      () => {
        const m = mc();
        m.delete(3);
        return m;
      },
      S.MissingParameter,
    ],
    [
      'pubKeyCredParams missing',
      () => {
        const m = mc();
        m.delete(4);
        return m;
      },
      S.MissingParameter,
    ],
    ['rp.id not text', () => new Map([...mc(), [2, new Map([['id', 7]])]]), S.CborUnexpectedType],
    ['user.id not bytes', () => new Map([...mc(), [3, new Map([['id', 'alice']])]]), S.CborUnexpectedType],
    ['pubKeyCredParams not an array', () => new Map([...mc(), [4, new Map()]]), S.CborUnexpectedType],
    [
      'alg not an integer',
      () =>
        new Map([
          ...mc(),
          [
            4,
            [
              new Map([
                ['alg', 'ES256'],
                ['type', 'public-key'],
              ]),
            ],
          ],
        ]),
      S.CborUnexpectedType,
    ],
    ['only unsupported algorithms', () => mc({ algs: [-999, -36] }), S.UnsupportedAlgorithm],
    ['up: false', () => mc({ up: false }), S.InvalidOption],
    ['uv: true without built-in UV', () => new Map([...mc(), [7, new Map([['uv', true]])]]), S.InvalidOption],
    ['rk not a boolean', () => new Map([...mc(), [7, new Map([['rk', 1]])]]), S.CborUnexpectedType],
    ['pinUvAuthParam without protocol', () => new Map([...mc(), [8, new Uint8Array(16)]]), S.MissingParameter],
    ['unsupported pinUvAuthProtocol', () => new Map([...mc(), [8, new Uint8Array(16)], [9, 3]]), S.InvalidParameter],
    ['pinUvAuthParam with no token', () => new Map([...mc(), [8, new Uint8Array(32)], [9, 2]]), S.PinAuthInvalid],
    [
      'excludeList entry without id',
      () => new Map([...mc(), [5, [new Map([['type', 'public-key']])]]]),
      S.MissingParameter,
    ],
    ['credProtect out of range', () => mc({ extensions: new Map([['credProtect', 9]]) }), S.InvalidOption],
    [
      'largeBlobKey on a non-discoverable credential',
      () => mc({ extensions: new Map([['largeBlobKey', true]]) }),
      S.InvalidOption,
    ],
    ['largeBlobKey: false', () => mc({ rk: true, extensions: new Map([['largeBlobKey', false]]) }), S.InvalidOption],
    ['hmac-secret not a boolean', () => mc({ extensions: new Map([['hmac-secret', 1]]) }), S.CborUnexpectedType],
  ];
  it.each(cases)('makeCredential: %s', async (_what, params, status) => {
    expect((await ctap(dev.fido, 0x01, params())).status).toBe(status);
  });

  it('credBlob on a non-discoverable credential: made, with credBlob: false', async () => {
    const r = await ctap(dev.fido, 0x01, mc({ extensions: new Map([['credBlob', new Uint8Array(4)]]) }));
    expect(r.status).toBe(0);
    expect(
      Buffer.from(r.body!.get(2) as Uint8Array).includes(Buffer.from(encode(new Map([['credBlob', false]])))),
    ).toBe(true);
  });

  it('a mixed algorithm list picks the supported one', async () => {
    const r = await ctap(dev.fido, 0x01, mc({ algs: [-999, -8] }));
    expect(r.status).toBe(0);
    expect((r.body!.get(3) as Map<string, unknown>).get('alg')).toBe(-8);
  });

  it('excludeList with a credential of ours: CREDENTIAL_EXCLUDED (after presence)', async () => {
    const reg = await register(dev.fido);
    if (!reg.ok) throw new Error('register');
    expect((await ctap(dev.fido, 0x01, mc({ excludeList: [new Uint8Array(40), reg.id] }))).status).toBe(
      S.CredentialExcluded,
    );
    // A foreign or damaged ID does not exclude.
    expect((await ctap(dev.fido, 0x01, mc({ excludeList: [new Uint8Array(40)] }))).status).toBe(0);
  });

  it('empty pinUvAuthParam: PIN_NOT_SET after a touch', async () => {
    expect((await ctap(dev.fido, 0x01, new Map([...mc(), [8, new Uint8Array(0)], [9, 1]]))).status).toBe(S.PinNotSet);
    expect(
      (
        await ctap(
          dev.fido,
          0x02,
          new Map<number, unknown>([
            [1, RP],
            [2, cdh],
            [6, new Uint8Array(0)],
            [7, 2],
          ]),
        )
      ).status,
    ).toBe(S.PinNotSet);
  });

  it('getAssertion: missing rpId, wrong types, rk option, no credentials, another RP', async () => {
    expect((await ctap(dev.fido, 0x02, new Map([[2, cdh]]))).status).toBe(S.MissingParameter);
    expect(
      (
        await ctap(
          dev.fido,
          0x02,
          new Map<number, unknown>([
            [1, RP],
            [2, 5],
          ]),
        )
      ).status,
    ).toBe(S.CborUnexpectedType);
    expect(
      (
        await ctap(
          dev.fido,
          0x02,
          new Map<number, unknown>([
            [1, RP],
            [2, cdh],
            [5, new Map([['rk', true]])],
          ]),
        )
      ).status,
    ).toBe(S.UnsupportedOption);
    expect((await authenticate(dev.fido, { rpId: 'nobody.example' })).status).toBe(S.NoCredentials);
    const reg = await register(dev.fido);
    if (!reg.ok) throw new Error('register');
    expect((await authenticate(dev.fido, { rpId: 'other.example', allow: [reg.id] })).status).toBe(S.NoCredentials);
    const damaged = reg.id.slice();
    damaged[20] ^= 1;
    expect((await authenticate(dev.fido, { allow: [damaged] })).status).toBe(S.NoCredentials);
  });

  it('getNextAssertion without a getAssertion before it: NOT_ALLOWED', async () => {
    expect((await ctap(dev.fido, 0x08)).status).toBe(S.NotAllowed);
  });

  it('presence denied, timed out, cancelled', async () => {
    await dev.ui.setPolicy({ mode: PolicyMode.Deny });
    expect((await register(dev.fido)).status).toBe(S.OperationDenied);
    await dev.ui.setPolicy({ mode: PolicyMode.Script, script: [Presence.Timeout] });
    expect((await register(dev.fido)).status).toBe(S.UserActionTimeout);
    await dev.ui.setPolicy({ mode: PolicyMode.Manual });
    const pending = register(dev.fido);
    for (let i = 0; i < 200 && !(await dev.ui.screen()).modal; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await dev.ui.cancel()).toBe(1);
    expect((await pending).status).toBe(S.KeepaliveCancel);
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
    expect((await register(dev.fido)).status).toBe(0);
  });
});

describe('key store full', () => {
  it('the 151st discoverable credential of a basis: KEY_STORE_FULL; replacing one of the same user still works', async () => {
    const dev = await startAuthenticator({ seed: 'neg-full' });
    try {
      await dev.ui.setPolicy({ mode: PolicyMode.Approve });
      for (let i = 0; i < 150; i++) {
        expect((await register(dev.fido, { rk: true, userId: Uint8Array.of(i >> 8, i & 0xff) })).status).toBe(0);
      }
      expect((await register(dev.fido, { rk: true, userId: Uint8Array.of(9, 9, 9) })).status).toBe(S.KeyStoreFull);
      expect((await register(dev.fido, { rk: true, userId: Uint8Array.of(0, 7) })).status).toBe(0);
      // Non-resident credentials need no room.
      expect((await register(dev.fido, { rk: false })).status).toBe(0);
    } finally {
      await dev.shutdown();
    }
  }, 120_000);
});

describe('reset', () => {
  it('is refused 20 s after boot, and needs presence within it', async () => {
    const late = await startAuthenticator({ seed: 'neg-reset-late', fido: { bootedAt: Date.now() - 21_000 } });
    try {
      await late.ui.setPolicy({ mode: PolicyMode.Approve });
      expect((await ctap(late.fido, 0x07)).status).toBe(S.NotAllowed);
    } finally {
      await late.shutdown();
    }
    const dev = await startAuthenticator({ seed: 'neg-reset' });
    try {
      await dev.ui.setPolicy({ mode: PolicyMode.Deny });
      expect((await ctap(dev.fido, 0x07)).status).toBe(S.OperationDenied);
      await dev.ui.setPolicy({ mode: PolicyMode.Approve });
      const reg = await register(dev.fido, { rk: true });
      if (!reg.ok) throw new Error('register');
      expect(await new PinSession(dev.fido, 2).setPin('123456')).toBe(0);
      expect((await ctap(dev.fido, 0x07)).status).toBe(0);
      expect((await authenticate(dev.fido)).status).toBe(S.NoCredentials);
      expect((await authenticate(dev.fido, { allow: [reg.id] })).status).toBe(S.NoCredentials);
      const info = await ctap(dev.fido, 0x04);
      expect((info.body!.get(4) as Map<string, boolean>).get('clientPin')).toBe(false);
    } finally {
      await dev.shutdown();
    }
  });
});

describe('clientPIN policy', () => {
  let dev: InProcessAuthenticator;
  beforeAll(async () => {
    dev = await startAuthenticator({ seed: 'neg-pin' });
    await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  });
  afterAll(() => dev.shutdown());

  it('refuses short PINs, a second setPIN, unknown subcommands, tokens without a PIN, and a bad pinUvAuthParam', async () => {
    const s = new PinSession(dev.fido, 2);
    expect(
      (
        await ctap(
          dev.fido,
          0x06,
          new Map([
            [1, 2],
            [2, 0x42],
          ]),
        )
      ).status,
    ).toBe(S.InvalidSubcommand);
    expect(
      (
        await ctap(
          dev.fido,
          0x06,
          new Map([
            [1, 3],
            [2, 2],
          ]),
        )
      ).status,
    ).toBe(S.InvalidParameter);
    expect(await s.getToken('1234')).toBe(S.PinNotSet);
    expect(await s.setPin('123')).toBe(S.PinPolicyViolation);
    await s.agree();
    const enc = s.encrypt(PinSession.padPin('5678'));
    const bad = await ctap(
      dev.fido,
      0x06,
      new Map<number, unknown>([
        [1, 2],
        [2, 3],
        [3, s.platformKey],
        [4, new Uint8Array(32)],
        [5, enc],
      ]),
    );
    expect(bad.status).toBe(S.PinAuthInvalid);
    expect(await s.setPin('5678')).toBe(0);
    expect(await s.setPin('9999')).toBe(S.NotAllowed);
    expect(await s.getToken('5678', 0)).toBe(S.InvalidParameter);
    expect(await s.getToken('5678', 0x01)).toBe(S.MissingParameter);
  });

  it('with a PIN set, a discoverable credential needs UV (PUAT_REQUIRED), a non-resident one does not (makeCredUvNotRqd)', async () => {
    expect((await register(dev.fido, { rk: true })).status).toBe(S.PuatRequired);
    expect((await register(dev.fido, { rk: false })).status).toBe(0);
  });

  it('empty pinUvAuthParam with a PIN set: PIN_INVALID', async () => {
    expect((await ctap(dev.fido, 0x01, new Map([...mc(), [8, new Uint8Array(0)], [9, 2]]))).status).toBe(S.PinInvalid);
  });

  it('a token without the permission, or bound to another RP: UNAUTHORIZED_PERMISSION', async () => {
    const s = new PinSession(dev.fido, 2);
    expect(await s.getToken('5678', 0x02, RP)).toBe(0);
    expect((await register(dev.fido, { pin: s })).status).toBe(S.UnauthorizedPermission);
    expect(await s.getToken('5678', 0x01, 'other.example')).toBe(0);
    expect((await register(dev.fido, { pin: s })).status).toBe(S.UnauthorizedPermission);
    const cm = await ctap(
      dev.fido,
      0x0a,
      new Map<number, unknown>([
        [1, 1],
        [3, 2],
        [4, s.authenticate(Uint8Array.of(1))],
      ]),
    );
    expect(cm.status).toBe(S.UnauthorizedPermission);
    expect((await ctap(dev.fido, 0x0a, new Map([[1, 1]]))).status).toBe(S.PuatRequired);
    expect((await ctap(dev.fido, 0x0a, new Map([[1, 3]]))).status).toBe(S.NotAllowed);
  });

  it('wrong PINs: PIN_INVALID twice, PIN_AUTH_BLOCKED at the third until power-cycle; retries count down', async () => {
    const s = new PinSession(dev.fido, 1);
    const before = (
      await ctap(
        dev.fido,
        0x06,
        new Map([
          [1, 1],
          [2, 1],
        ]),
      )
    ).body!.get(3) as number;
    expect(await s.getToken('0000')).toBe(S.PinInvalid);
    expect(await s.getToken('0001')).toBe(S.PinInvalid);
    expect(await s.getToken('0002')).toBe(S.PinAuthBlocked);
    expect(await s.getToken('5678')).toBe(S.PinAuthBlocked);
    const r = await ctap(
      dev.fido,
      0x06,
      new Map([
        [1, 1],
        [2, 1],
      ]),
    );
    expect(r.body!.get(3)).toBe(before - 3);
    expect(r.body!.get(4)).toBe(true);
  });
});

describe('large blobs', () => {
  it('write in order, read back, refuse a bad checksum, a gap, and an oversize array', async () => {
    const dev = await startAuthenticator({ seed: 'neg-lb' });
    try {
      const lb = (m: [number, unknown][]) => ctap(dev.fido, 0x0c, new Map(m));
      const initial = await lb([
        [1, 100],
        [3, 0],
      ]);
      expect(Buffer.from(initial.body!.get(1) as Uint8Array).toString('hex')).toBe(
        '8076be8b528d0075f7aae98d6fa57a6d3c',
      );
      const body = encode([
        new Map<number, unknown>([
          [1, new Uint8Array(40)],
          [3, 40],
        ]),
      ]);
      const array = Buffer.concat([body, sha256(body).subarray(0, 16)]);
      expect(
        (
          await lb([
            [2, array.subarray(0, 20)],
            [3, 0],
            [4, array.length],
          ])
        ).status,
      ).toBe(0);
      expect(
        (
          await lb([
            [2, array.subarray(30)],
            [3, 30],
          ])
        ).status,
      ).toBe(S.InvalidSeq);
      expect(
        (
          await lb([
            [2, array.subarray(20)],
            [3, 20],
          ])
        ).status,
      ).toBe(0);
      expect(
        Buffer.from(
          (
            await lb([
              [1, 1000],
              [3, 0],
            ])
          ).body!.get(1) as Uint8Array,
        ).equals(array),
      ).toBe(true);
      const broken = Buffer.from(array);
      broken[3] ^= 1;
      expect(
        (
          await lb([
            [2, broken],
            [3, 0],
            [4, broken.length],
          ])
        ).status,
      ).toBe(S.IntegrityFailure);
      expect(
        (
          await lb([
            [2, new Uint8Array(10)],
            [3, 0],
            [4, 4096],
          ])
        ).status,
      ).toBe(S.LargeBlobStorageFull);
      expect(
        (
          await lb([
            [1, 10],
            [2, new Uint8Array(1)],
            [3, 0],
          ])
        ).status,
      ).toBe(S.InvalidParameter);
      expect(
        Buffer.from(
          (
            await lb([
              [1, 1000],
              [3, 0],
            ])
          ).body!.get(1) as Uint8Array,
        ).equals(array),
      ).toBe(true);
    } finally {
      await dev.shutdown();
    }
  });
});
