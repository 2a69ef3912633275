// PDDB crypto primitives: our raw bcrypt against bcryptjs, GCM-SIV page work, page-table ECB (node vs noble),
// and the per-entry checksum, each against a baseline measured in the same run.
import { ecb, gcmsiv } from '@noble/ciphers/aes.js';
import bcryptjs from 'bcryptjs';
import { SeededRandom, randomBytes } from '../lib/random.ts';
import { bcryptPassword } from '../pddb/crypto/bcrypt.ts';
import { ecbDecrypt } from '../pddb/crypto/ecb.ts';
import { gcmsivDecrypt, gcmsivEncrypt } from '../pddb/crypto/gcmsiv.ts';
import { deriveBasisKeys, SALT_BASE_LEN } from '../pddb/crypto/kdf.ts';
import { murmur3_32 } from '../pddb/crypto/murmur3.ts';
import { createKeybox, unlockUser0 } from '../pddb/keys/keybox.ts';
import { report, timeUsSync } from './harness.ts';

const SUITE = 'crypto';
const PRECURSOR_PAGES = 25_088;

export async function run(): Promise<void> {
  const rng = new SeededRandom('bench-crypto');

  // bcrypt cost 7: ours (all 24 bytes) against bcryptjs (the same work, 23 bytes in base64).
  const salt = randomBytes(rng, 16);
  const pw = new TextEncoder().encode('correct-horse');
  const setting = '$2b$07$' + bcryptjs.encodeBase64(Array.from(salt), 16);
  const bcryptjsUs = timeUsSync(() => bcryptjs.hashSync('correct-horse', setting), { warmup: 2, runs: 9 });
  const oursUs = timeUsSync(() => bcryptPassword(7, salt, pw), { warmup: 2, runs: 9 });
  report(SUITE, 'bcrypt cost 7 (ours, 24 bytes)', oursUs / 1000, 'ms', {
    name: 'bcryptjs cost 7',
    value: bcryptjsUs / 1000,
  });

  // Whole KDFs, against the bcrypt they contain.
  const saltBase = randomBytes(rng, SALT_BASE_LEN);
  const kdfUs = timeUsSync(() => deriveBasisKeys(saltBase, 'hidden', 'correct-horse'), { warmup: 2, runs: 9 });
  report(SUITE, 'basis key derivation (KDF)', kdfUs / 1000, 'ms', {
    name: 'bcrypt cost 7 (ours)',
    value: oursUs / 1000,
  });
  const { keybox } = createKeybox('1234', rng);
  const unlockUs = timeUsSync(() => unlockUser0(keybox, '1234'), { warmup: 2, runs: 9 });
  report(SUITE, 'keybox unlock (bcrypt + 256 x SHA512/256)', unlockUs / 1000, 'ms', {
    name: 'bcrypt cost 7 (ours)',
    value: oursUs / 1000,
  });

  // GCM-SIV on one data page (journal + 4064 bytes under the basis AAD), through our wrapper and noble directly.
  const key = randomBytes(rng, 32);
  const nonce = randomBytes(rng, 12);
  const aad = randomBytes(rng, 7 + 4 + 8);
  const page = randomBytes(rng, 4068);
  const sealed = gcmsivEncrypt(key, nonce, page, aad);
  const rawEnc = timeUsSync(() => gcmsiv(key, nonce, aad).encrypt(page), { batch: 20 });
  const rawDec = timeUsSync(() => gcmsiv(key, nonce, aad).decrypt(sealed), { batch: 20 });
  const enc = timeUsSync(() => gcmsivEncrypt(key, nonce, page, aad), { batch: 20 });
  const dec = timeUsSync(() => gcmsivDecrypt(key, nonce, sealed, aad), { batch: 20 });
  report(SUITE, 'GCM-SIV encrypt 4 KiB page', enc, 'us', { name: 'noble gcmsiv encrypt, direct', value: rawEnc });
  report(SUITE, 'GCM-SIV decrypt 4 KiB page', dec, 'us', { name: 'noble gcmsiv decrypt, direct', value: rawDec });
  const bad = sealed.slice();
  bad[100] ^= 1;
  const rejectUs = timeUsSync(() => gcmsivDecrypt(key, nonce, bad, aad), { batch: 20 });
  report(SUITE, 'GCM-SIV reject 4 KiB page (bad tag)', rejectUs, 'us', {
    name: 'GCM-SIV decrypt 4 KiB page',
    value: dec,
  });

  // The mount floor: ECB over a whole Precursor page table, then the checksum of every entry.
  const table = randomBytes(rng, PRECURSOR_PAGES * 16);
  const nodeUs = timeUsSync(() => ecbDecrypt(key, table), { runs: 15 });
  const nobleUs = timeUsSync(() => ecb(key, { disablePadding: true }).decrypt(table), { warmup: 2, runs: 7 });
  report(SUITE, `ECB decrypt ${PRECURSOR_PAGES} PTEs (node:crypto)`, nodeUs, 'us', {
    name: 'same with @noble/ciphers',
    value: nobleUs,
  });
  const plain = ecbDecrypt(key, table);
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  let sink = 0;
  const mmUs = timeUsSync(
    () => {
      for (let i = 0; i < PRECURSOR_PAGES; i++) {
        const at = i * 16;
        sink ^= murmur3_32(plain, view.getUint32(at + 8, true), at, 12) ^ view.getUint32(at + 12, true);
      }
    },
    { runs: 15 },
  );
  report(SUITE, `murmur3 check of ${PRECURSOR_PAGES} PTEs`, mmUs, 'us', {
    name: 'ECB decrypt of the same PTEs',
    value: nodeUs,
  });
  if (sink === 0.5) console.log(sink); // keep the loop observable
}
