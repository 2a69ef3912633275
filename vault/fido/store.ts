// The authenticator's persistent state, in the PDDB dict `opensk` with OpenSK's decimal key numbers (its
// persistent_store layout, as the original vendors it). Device-wide state lives in .System; credentials, the
// master keys and the credRandom secret live in each basis, so a secret basis is its own authenticator identity
// and its credentials vanish with it. Everything goes through the PDDB client; `sync()` makes it durable and is
// called before any response that depends on a write.
import { isPddbError } from '../../pddb/index.ts';
import type { Pddb } from '../../pddb/index.ts';

export const FIDO_DICT = 'opensk';
export const SYSTEM_BASIS = '.System';

/** OpenSK's key numbers (libraries/persistent_store keys); ours are marked. */
export const Key = {
  AttestationPrivateKey: 1,
  AttestationCertificate: 2,
  /** Ours: the emulated CA that signs the batch certificate (kept so RPs can be given its certificate). */
  AttestationCaCertificate: 4,
  /** 1700..1999: the credentials (150 used). */
  CredentialsStart: 1700,
  CredentialsEnd: 2000,
  LargeBlobArray: 2000,
  AlwaysUv: 2038,
  ForcePinChange: 2040,
  CredRandomSecret: 2041,
  MinPinLengthRpIds: 2042,
  MinPinLength: 2043,
  PinRetries: 2044,
  PinHash: 2045,
  MasterKeys: 2046,
  GlobalSignatureCounter: 2047,
} as const;

/** Keys below this survive a reset (OpenSK: NUM_PERSISTENT_KEYS): the attestation material. */
export const PERSISTENT_KEYS = 20;
export const MAX_RESIDENT_CREDENTIALS = 150;

export class FidoStore {
  /**
   * `entries()` per basis, kept in step with this store's own writes: the credential search reads every record of a
   * basis on each command, and this authenticator is the only writer of `opensk` while it runs. Dropped on any basis
   * change (`forget`) and on a failed write.
   */
  private readonly cache = new Map<string, Map<number, Uint8Array>>();

  constructor(readonly pddb: Pddb) {}

  forget(): void {
    this.cache.clear();
  }

  async read(key: number, basis = SYSTEM_BASIS): Promise<Uint8Array | undefined> {
    const cached = this.cache.get(basis);
    if (cached) return cached.get(key)?.slice();
    let h;
    try {
      h = await this.pddb.get(FIDO_DICT, String(key), { basis });
    } catch (e) {
      if (isPddbError(e, 'NotFound')) return undefined;
      throw e;
    }
    try {
      return await h.readAll();
    } finally {
      await h.close();
    }
  }

  async write(key: number, value: Uint8Array, basis = SYSTEM_BASIS): Promise<void> {
    const cached = this.cache.get(basis);
    this.cache.delete(basis);
    const h = await this.pddb.get(FIDO_DICT, String(key), { basis, createDict: true, createKey: true });
    try {
      await h.write(value);
      await h.truncate(value.length);
    } finally {
      await h.close();
    }
    if (cached) this.cache.set(basis, cached.set(key, value.slice()));
  }

  async remove(key: number, basis = SYSTEM_BASIS): Promise<void> {
    const cached = this.cache.get(basis);
    this.cache.delete(basis);
    try {
      await this.pddb.deleteKey(FIDO_DICT, String(key), basis);
    } catch (e) {
      if (!isPddbError(e, 'NotFound')) throw e;
    }
    if (cached) {
      cached.delete(key);
      this.cache.set(basis, cached);
    }
  }

  /** Every key of `opensk` in one basis, with its value (bulk reads: one message per 32 entries). Read-only. */
  async entries(basis: string): Promise<ReadonlyMap<number, Uint8Array>> {
    const cached = this.cache.get(basis);
    if (cached) return cached;
    const out = new Map<number, Uint8Array>();
    let list;
    try {
      list = await this.pddb.readDict(FIDO_DICT, { basis });
    } catch (e) {
      if (isPddbError(e, 'NotFound')) return out;
      throw e;
    }
    for (const e of list) {
      if (!/^\d+$/.test(e.key)) continue;
      // Values over the bulk size limit come back without bytes: read those through a handle.
      const value = e.value ?? (await this.read(Number(e.key), basis));
      if (value) out.set(Number(e.key), value);
    }
    this.cache.set(basis, out);
    return out;
  }

  /** Open bases, newest first (the order credentials are searched in). */
  async bases(): Promise<string[]> {
    return (await this.pddb.listBasis()).reverse();
  }

  latestBasis(): Promise<string> {
    return this.pddb.latestBasis();
  }

  sync(): Promise<void> {
    return this.pddb.sync();
  }

  async readU32(key: number, fallback: number, basis?: string): Promise<number> {
    const v = await this.read(key, basis);
    return v && v.length === 4 ? new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) : fallback;
  }

  writeU32(key: number, value: number, basis?: string): Promise<void> {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.write(key, b, basis);
  }
}
