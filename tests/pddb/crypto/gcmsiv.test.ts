import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBytes } from '../../../lib/random.ts';
import { gcmsivDecrypt, gcmsivEncrypt } from '../../../pddb/crypto/gcmsiv.ts';
import { hex, unhex } from './hex.ts';

// RFC 8452 appendix C.2 (AEAD_AES_256_GCM_SIV) and C.3 (counter wrap): [key, nonce, aad, plaintext, result].
const K1 = '0100000000000000000000000000000000000000000000000000000000000000';
const N1 = '030000000000000000000000';
const VECTORS: [string, string, string, string, string][] = [
  [K1, N1, '', '', '07f5f4169bbf55a8400cd47ea6fd400f'],
  [K1, N1, '', '0100000000000000', 'c2ef328e5c71c83b843122130f7364b761e0b97427e3df28'],
  [K1, N1, '', '010000000000000000000000', '9aab2aeb3faa0a34aea8e2b18ca50da9ae6559e48fd10f6e5c9ca17e'],
  [K1, N1, '', '01000000000000000000000000000000', '85a01b63025ba19b7fd3ddfc033b3e76c9eac6fa700942702e90862383c6c366'],
  [
    K1,
    N1,
    '',
    '01000000000000000000000000000000 02000000000000000000000000000000',
    '4a6a9db4c8c6549201b9edb53006cba821ec9cf850948a7c86c68ac7539d027fe819e63abcd020b006a976397632eb5d',
  ],
  [
    K1,
    N1,
    '',
    '01000000000000000000000000000000 02000000000000000000000000000000 03000000000000000000000000000000',
    `c00d121893a9fa603f48ccc1ca3c57ce7499245ea0046db16c53c7c66fe717e3
     9cf6c748837b61f6ee3adcee17534ed5790bc96880a99ba804bd12c0e6a22cc4`,
  ],
  [
    K1,
    N1,
    '',
    `01000000000000000000000000000000 02000000000000000000000000000000
     03000000000000000000000000000000 04000000000000000000000000000000`,
    `c2d5160a1f8683834910acdafc41fbb1632d4a353e8b905ec9a5499ac34f96c7
     e1049eb080883891a4db8caaa1f99dd004d80487540735234e3744512c6f90ce 112864c269fc0d9d88c61fa47e39aa08`,
  ],
  [K1, N1, '01', '0200000000000000', '1de22967237a813291213f267e3b452f02d01ae33e4ec854'],
  [K1, N1, '01', '020000000000000000000000', '163d6f9cc1b346cd453a2e4cc1a4a19ae800941ccdc57cc8413c277f'],
  [
    K1,
    N1,
    '01',
    '02000000000000000000000000000000',
    'c91545823cc24f17dbb0e9e807d5ec17b292d28ff61189e8e49f3875ef91aff7',
  ],
  [
    K1,
    N1,
    '01',
    '02000000000000000000000000000000 03000000000000000000000000000000',
    '07dad364bfc2b9da89116d7bef6daaaf6f255510aa654f920ac81b94e8bad365aea1bad12702e1965604374aab96dbbc',
  ],
  [
    K1,
    N1,
    '01',
    `02000000000000000000000000000000 03000000000000000000000000000000
     04000000000000000000000000000000 05000000000000000000000000000000`,
    `67fd45e126bfb9a79930c43aad2d36967d3f0e4d217c1e551f59727870beefc9
     8cb933a8fce9de887b1e40799988db1fc3f91880ed405b2dd298318858467c89 5bde0285037c5de81e5b570a049b62a0`,
  ],
  [K1, N1, '010000000000000000000000', '02000000', '22b3f4cd1835e517741dfddccfa07fa4661b74cf'],
  [
    K1,
    N1,
    '01000000000000000000000000000000 0200',
    '03000000000000000000000000000000 04000000',
    '43dd0163cdb48f9fe3212bf61b201976067f342bb879ad976d8242acc188ab59cabfe307',
  ],
  [
    K1,
    N1,
    '01000000000000000000000000000000 02000000',
    '03000000000000000000000000000000 0400',
    '462401724b5ce6588d5a54aae5375513a075cfcdf5042112aa29685c912fc2056543',
  ],
  [
    'e66021d5eb8e4f4066d4adb9c33560e4f46e44bb3da0015c94f7088736864200',
    'e0eaf5284d884a0e77d31646',
    '',
    '',
    '169fbb2fbf389a995f6390af22228a62',
  ],
  [
    'bae8e37fc83441b16034566b7a806c46bb91c3c5aedb64a6c590bc84d1a5e269',
    'e4b47801afc0577e34699b9e',
    '4fbdc66f14',
    '671fdd',
    '0eaccb93da9bb81333aee0c785b240d319719d',
  ],
  [
    '6545fc880c94a95198874296d5cc1fd161320b6920ce07787f86743b275d1ab3',
    '2f6d1f0434d8848c1177441f',
    '6787f3ea22c127aaf195',
    '195495860f04',
    'a254dad4f3f96b62b84dc40c84636a5ec12020ec8c2c',
  ],
  [
    'd1894728b3fed1473c528b8426a582995929a1499e9ad8780c8d63d0ab4149c0',
    '9f572c614b4745914474e7c7',
    '489c8fde2be2cf97e74e932d4ed87d',
    'c9882e5386fd9f92ec',
    '0df9e308678244c44bc0fd3dc6628dfe55ebb0b9fb2295c8c2',
  ],
  [
    '3c535de192eaed3822a2fbbe2ca9dfc88255e14a661b8aa82cc54236093bbc23',
    '688089e55540db1872504e1c',
    '734320ccc9d9bbbb19cb81b2af4ecbc3e72834321f7aa0f70b7282b4f33df23f167541',
    'ced532ce4159b035277d4dfbb7db62968b13cd4eec',
    '626660c26ea6612fb17ad91e8e767639edd6c9faee9d6c7029675b89eaf4ba1ded1a286594',
  ],
  // C.3 counter wrap.
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '000000000000000000000000',
    '',
    '00000000000000000000000000000000 4db923dc793ee6497c76dcc03a98e108',
    'f3f80f2cf0cb2dd9c5984fcda908456cc537703b5ba70324a6793a7bf218d3eaffffffff000000000000000000000000',
  ],
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '000000000000000000000000',
    '',
    'eb3640277c7ffd1303c7a542d02d3e4c 0000000000000000',
    '18ce4f0b8cb4d0cac65fea8f79257b20888e53e72299e56dffffffff000000000000000000000000',
  ],
];

describe('AES-256-GCM-SIV', () => {
  it('matches the RFC 8452 AES-256 vectors both ways', () => {
    for (const [k, n, a, p, r] of VECTORS) {
      const [key, nonce, aad, pt, result] = [unhex(k), unhex(n), unhex(a), unhex(p), unhex(r)];
      expect(hex(gcmsivEncrypt(key, nonce, pt, aad))).toBe(hex(result));
      expect(hex(gcmsivDecrypt(key, nonce, result, aad)!)).toBe(hex(pt));
    }
  });

  it('round-trips a data page (journal + 4064 bytes) under the basis AAD', () => {
    const rng = new SeededRandom('page');
    const key = randomBytes(rng, 32);
    const nonce = randomBytes(rng, 12);
    const aad = new Uint8Array([...new TextEncoder().encode('.System'), 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const page = randomBytes(rng, 4068);
    const sealed = gcmsivEncrypt(key, nonce, page, aad);
    expect(sealed.length).toBe(4096 - 12);
    expect(hex(gcmsivDecrypt(key, nonce, sealed, aad)!)).toBe(hex(page));
  });

  it('returns null, never throws, when anything is wrong', () => {
    const rng = new SeededRandom('tamper');
    const key = randomBytes(rng, 32);
    const nonce = randomBytes(rng, 12);
    const aad = randomBytes(rng, 20);
    const sealed = gcmsivEncrypt(key, nonce, randomBytes(rng, 100), aad);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i] ^= 1 << (i % 8);
      expect(gcmsivDecrypt(key, nonce, bad, aad)).toBeNull();
    }
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice();
      c[i] ^= 1;
      return c;
    };
    expect(gcmsivDecrypt(flip(key, 31), nonce, sealed, aad)).toBeNull();
    expect(gcmsivDecrypt(key, flip(nonce, 0), sealed, aad)).toBeNull();
    expect(gcmsivDecrypt(key, nonce, sealed, flip(aad, 5))).toBeNull();
    expect(gcmsivDecrypt(key, nonce, sealed, aad.subarray(1))).toBeNull();
    expect(gcmsivDecrypt(key, nonce, sealed.subarray(0, 50), aad)).toBeNull();
    expect(gcmsivDecrypt(key, nonce, new Uint8Array(15), aad)).toBeNull();
    expect(gcmsivDecrypt(key, nonce, new Uint8Array(0), aad)).toBeNull();
    for (let i = 0; i < 50; i++) expect(gcmsivDecrypt(key, nonce, randomBytes(rng, 4084), aad)).toBeNull();
  });

  it('still throws for a wrong key or nonce size (a caller bug, not data)', () => {
    expect(() => gcmsivEncrypt(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1), new Uint8Array(0))).toThrow(
      RangeError,
    );
    expect(() => gcmsivDecrypt(new Uint8Array(32), new Uint8Array(16), new Uint8Array(32), new Uint8Array(0))).toThrow(
      RangeError,
    );
  });
});
