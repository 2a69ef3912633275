// Writes the Aegis vault fixtures of tests/vault/transfer/fixtures: a plain vault and the same vault encrypted with
// the password `test`, in Aegis's documented vault format (version 1: a password slot = scrypt(N 2^15, r 8, p 1) key
// that AES-256-GCM-wraps a master key; the db is AES-256-GCM under the master key, base64). Built with node:crypto
// (scrypt, GCM), so the tests check our @noble-based reader against an independent implementation. Deterministic:
// rerunning gives the same files.   node --import tsx scripts/make-aegis-fixtures.ts
import { createCipheriv, createHash, scryptSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const out = new URL('../tests/vault/transfer/fixtures/', import.meta.url);
const det = (label: string, n: number) => createHash('sha512').update(`aegis-fixture:${label}`).digest().subarray(0, n);
const uuid = (label: string) => {
  const h = det(label, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const otp = (type: string, name: string, issuer: string, info: Record<string, unknown>) => ({
  type,
  uuid: uuid(name + issuer),
  name,
  issuer,
  note: '',
  favorite: false,
  icon: null,
  info,
});

const entries = [
  otp('totp', 'ada', 'Lovelace Labs', { secret: 'JBSWY3DPEHPK3PXP', algo: 'SHA1', digits: 6, period: 30 }),
  otp('totp', 'grace@navy.example', 'Compiler Co', {
    secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    algo: 'SHA256',
    digits: 8,
    period: 60,
  }),
  otp('totp', 'alan', 'Bletchley', {
    secret: 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BANJ2W24DTEBXXMZLS',
    algo: 'SHA512',
    digits: 6,
    period: 30,
  }),
  otp('hotp', 'edsger', 'Goto Considered', { secret: 'MFRGGZDFMZTWQ2LK', algo: 'SHA1', digits: 6, counter: 0 }),
  otp('hotp', 'barbara', 'Liskov Substitutes', {
    secret: 'KUVJJOM753IHTNDSZVCNKL7GII',
    algo: 'SHA256',
    digits: 7,
    counter: 50,
  }),
  otp('totp', 'donald', 'Tex Works', { secret: 'ONSWG4TFOQ======', algo: 'SHA1', digits: 6, period: 15 }),
  otp('steam', 'gabe', 'Valve', { secret: 'NBSWY3DP', algo: 'SHA1', digits: 5, period: 30 }),
];
const plain = { version: 1, header: { slots: null, params: null }, db: { version: 2, entries } };
writeFileSync(new URL('aegis_plain.json', out), JSON.stringify(plain, null, 2) + '\n');

const gcm = (key: Buffer, nonce: Buffer, data: Buffer) => {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  const ct = Buffer.concat([c.update(data), c.final()]);
  return { ct, tag: c.getAuthTag() };
};
const [N, r, p] = [32768, 8, 1];
const salt = det('salt', 32);
const master = det('master', 32);
const slotKey = scryptSync('test', salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 });
const keyNonce = det('key-nonce', 12);
const wrapped = gcm(slotKey, keyNonce, master);
const dbNonce = det('db-nonce', 12);
const db = gcm(master, dbNonce, Buffer.from(JSON.stringify(plain.db)));
const encrypted = {
  version: 1,
  header: {
    slots: [
      {
        type: 1,
        uuid: uuid('slot'),
        key: wrapped.ct.toString('hex'),
        key_params: { nonce: keyNonce.toString('hex'), tag: wrapped.tag.toString('hex') },
        n: N,
        r,
        p,
        salt: salt.toString('hex'),
        repaired: true,
        is_backup: false,
      },
    ],
    params: { nonce: dbNonce.toString('hex'), tag: db.tag.toString('hex') },
  },
  db: db.ct.toString('base64'),
};
writeFileSync(new URL('aegis_encrypted.json', out), JSON.stringify(encrypted, null, 2) + '\n');
console.log('wrote aegis_plain.json and aegis_encrypted.json');
