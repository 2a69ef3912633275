// The original's own CI sequence (xous-core services/pddb/src/tests.rs, ci_tests), replayed through our API with a
// seeded workload, every value checked against a model after each phase and after each remount:
//   create_basis_testcase: 4 dicts x 34 keys of 12..8996 bytes (alloc hint = len + 32), striped across the dicts
//   basis_create("Basis2") (left locked)
//   delete_add_dict_consistency: delete the first dict, add a new one with 36 keys
//   patch_test (extend): write "patched!" at offset 5 of every key, then append a fresh checksum
//   delete_pattern: delete every other key of the first two dicts, regenerate 36 keys in each
//   patch_test, delete_pattern again; delete_add_dict_consistency (3 dicts, 50 keys) x 3, then (6 dicts, 50 keys)
//   remount; unlock Basis2 and add 3 dicts x 15 keys to it; union checks; lock Basis2; remount; unlock again.
// Each key_update of the original is followed by a sync of the basis, so we sync after each one too.
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomBelow } from '../../../lib/random.ts';
import { murmur3_32 } from '../../../pddb/crypto/murmur3.ts';
import { VPAGE_SIZE } from '../../../pddb/format/constants.ts';
import { isPddbError } from '../../../pddb/errors.ts';
import type { PddbEngine } from '../../../pddb/engine/engine.ts';
import { Model, freshDevice, reboot, utf8 } from './helpers.ts';

const UPPER_BOUND = 9000;
const LOWER_BOUND = 12;
const EXTRA_BASIS = 'Basis2';
const EXTRA_BASIS_PW = 'some password blah blah';

/** murmur3_32 over the data zero-padded to a whole number of words, as the CI checksum is computed. */
function ciChecksum(data: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(data.length / 4) * 4);
  padded.set(data);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, murmur3_32(padded, 0), true);
  return out;
}

class CiRun {
  readonly model = new Model();
  readonly rng: SeededRandom;
  syncs = 0;

  constructor(
    public engine: PddbEngine,
    seed: string,
  ) {
    this.rng = new SeededRandom(seed);
  }

  /** gen_key: half the keys small (12..4063 bytes), half large (4064..8995), data + checksum, name with its length. */
  genKey(dict: string, keynum: number, lo = LOWER_BOUND, hi = UPPER_BOUND - 4): [string, Uint8Array] {
    const small = randomBelow(this.rng, 2 ** 32) < Math.floor(0xffff_ffff / 2);
    const len = small
      ? randomBelow(this.rng, VPAGE_SIZE - lo) + lo
      : randomBelow(this.rng, hi - VPAGE_SIZE) + VPAGE_SIZE;
    const data = new Uint8Array(len);
    for (let i = 0; i < len - 4; i++) data[i] = (keynum + i) & 0xff;
    data.set(ciChecksum(data.subarray(0, len - 4)), len - 4);
    return [`sanitycheck|${dict}|key${keynum}|len${len}`, data];
  }

  /** BasisCache::key_update: in the named basis or the latest, dict and key created as needed, data at offset. */
  keyUpdate(dict: string, key: string, data: Uint8Array, offset = 0, allocHint?: number, basis?: string): void {
    const target = basis ?? this.engine.latestBasis();
    const h = this.engine.get(dict, key, { basis: target, createDict: true, createKey: true, allocHint });
    this.engine.write(h, offset, data);
    this.sync();
    const old = this.model.get(target, dict, key) ?? new Uint8Array(0);
    const next = new Uint8Array(Math.max(old.length, offset + data.length));
    next.set(old);
    next.set(data, offset);
    this.model.set(target, dict, key, next);
  }

  /** BasisCache::dict_add. */
  dictAdd(dict: string, basis?: string): void {
    const target = basis ?? this.engine.latestBasis();
    try {
      this.engine.get(dict, 'probe', { basis: target, createDict: true });
    } catch (e) {
      if (!isPddbError(e, 'NotFound')) throw e;
    }
    this.sync();
    this.model.ensureDict(target, dict);
  }

  /**
   * Sync. When FastSpace runs dry (a 4 MiB device holds about 500 free pages in it), do what the original's
   * ensure_fast_space_alloc does, but safely: present every basis (Basis2 too, once it exists), rebuild, and put
   * the stack back as it was.
   */
  sync(): void {
    this.syncs++;
    try {
      this.engine.sync();
      return;
    } catch (e) {
      if (!isPddbError(e, 'NoFreeSpace')) throw e;
    }
    this.rebuilds++;
    const presented = !this.basis2Created || this.engine.listBasis().includes(EXTRA_BASIS);
    if (!presented) this.engine.unlockBasis(EXTRA_BASIS, EXTRA_BASIS_PW);
    expect(this.engine.rebuildSpace({ allBasesPresent: true })).toBeGreaterThan(0);
    if (!presented) this.engine.lockBasis(EXTRA_BASIS);
    this.engine.sync();
  }

  rebuilds = 0;
  basis2Created = false;

  dictList(basis?: string): string[] {
    return this.engine.listDicts(basis); // sorted, as the original's "deterministic" BTreeSet
  }

  create_basis_testcase(numDicts = 4, numKeys = 34, extraReserved = 32): void {
    for (let d = 1; d <= numDicts; d++) this.dictAdd(`dict${d}`);
    for (let k = 1; k <= numKeys; k++) {
      for (let d = 1; d <= numDicts; d++) {
        const [name, data] = this.genKey(`dict${d}`, k);
        this.keyUpdate(`dict${d}`, name, data, 0, data.length + extraReserved);
      }
    }
  }

  delete_add_dict_consistency(evictCount = 1, numKeys = 36, basis?: string): void {
    const list = this.dictList();
    const start = list.length;
    for (const dict of list.slice(0, evictCount)) {
      try {
        this.engine.deleteDict(dict, basis);
        this.sync();
        this.model.deleteDict(basis ?? this.engine.latestBasis(), dict);
      } catch (e) {
        // the original logs "Error evicting dictionary" and goes on (a dict not in the named basis)
        if (!isPddbError(e, 'NotFound')) throw e;
      }
    }
    for (let k = 1; k <= numKeys; k++) {
      for (let d = 1; d <= evictCount; d++) {
        const dict = `dict${d + start}`;
        const [name, data] = this.genKey(dict, k);
        this.keyUpdate(dict, name, data, 0, undefined, basis);
      }
    }
  }

  patch_test(offset = 5, patch = 'patched!', extend = true): void {
    for (const dict of this.dictList()) {
      let keys: string[];
      try {
        keys = this.engine.listKeys(dict);
      } catch {
        continue;
      }
      for (const key of keys) {
        this.keyUpdate(dict, key, utf8(patch), offset);
        // key_read into a 9000-byte buffer, from the latest basis
        const buf = this.engine.read(this.engine.get(dict, key, { basis: this.engine.latestBasis() }), 0, UPPER_BOUND);
        if (extend) this.keyUpdate(dict, key, ciChecksum(buf), buf.length);
        else this.keyUpdate(dict, key, ciChecksum(buf.subarray(0, buf.length - 4)), buf.length - 4);
      }
    }
  }

  delete_pattern(evictCount = 2, numKeys = 36): void {
    const evicted: string[] = [];
    this.dictList().forEach((dict, i) => {
      if (i >= evictCount) return;
      this.engine.listKeys(dict).forEach((key, index) => {
        if (index % 2 === evicted.length % 2) {
          this.engine.deleteKey(dict, key);
          this.sync();
          this.model.deleteKey(this.engine.latestBasis(), dict, key);
        }
      });
      evicted.push(dict);
    });
    for (let k = 1; k <= numKeys; k++) {
      for (const dict of evicted) {
        const [name, data] = this.genKey(dict, k);
        try {
          this.engine.get(dict, name); // "rng collision on keygen": delete it first
          this.engine.deleteKey(dict, name);
          this.sync();
          this.model.deleteKey(this.engine.latestBasis(), dict, name);
        } catch (e) {
          if (!isPddbError(e, 'NotFound')) throw e;
        }
        this.keyUpdate(dict, name, data);
      }
    }
    this.sync();
  }

  /** Union of key names over every dict (the CI's pre_list / merge_list). */
  allKeys(basis?: string): string[] {
    const out = new Set<string>();
    for (const dict of this.engine.listDicts(basis)) for (const k of this.engine.listKeys(dict, basis)) out.add(k);
    return [...out].sort();
  }

  /** Every stored value still ends in a valid CI checksum of what precedes it, or was patched at offset 5. */
  checkCiChecksums(): void {
    for (const basis of this.engine.listBasis()) {
      for (const dict of this.engine.listDicts(basis)) {
        for (const key of this.engine.listKeys(dict, basis)) {
          const v = this.engine.readAll(this.engine.get(dict, key, { basis }));
          if (v.length > UPPER_BOUND) continue; // the 9000-byte read buffer cut the checksum input short
          expect(
            Buffer.from(v.subarray(v.length - 4)).equals(Buffer.from(ciChecksum(v.subarray(0, v.length - 4)))),
            `${dict}:${key}`,
          ).toBe(true);
        }
      }
    }
  }
}

describe("the original's CI sequence (tests.rs ci_tests)", () => {
  it('4 dicts x 34 keys, a second basis, delete/add, patch, delete pattern, remounts, union checks', () => {
    const dev = freshDevice('ci-sequence');
    let flash = dev.flash;
    const keybox = dev.keybox;
    const ci = new CiRun(dev.engine, 'ci-sequence-workload');
    const remountAll = (tag: string) => {
      ci.engine.sync();
      const r = reboot(flash, keybox, `ci-${tag}`);
      flash = r.flash;
      ci.engine = r.engine;
    };

    ci.create_basis_testcase(4, 34, 32);
    expect(ci.engine.listDicts()).toEqual(['dict1', 'dict2', 'dict3', 'dict4']);
    expect(ci.engine.listKeys('dict1').length).toBe(34);
    const sizes = [...ci.model.basis('.System').values()].flatMap((d) => [...d.values()].map((v) => v.length));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(LOWER_BOUND);
    expect(Math.max(...sizes)).toBeLessThan(UPPER_BOUND);
    expect(sizes.filter((n) => n >= VPAGE_SIZE).length).toBeGreaterThan(30); // both small and large keys
    expect(sizes.filter((n) => n < VPAGE_SIZE).length).toBeGreaterThan(30);
    ci.model.check(ci.engine);
    ci.checkCiChecksums();

    ci.engine.createBasis(EXTRA_BASIS, EXTRA_BASIS_PW);
    ci.basis2Created = true;
    expect(ci.engine.listBasis()).toEqual(['.System']);

    ci.delete_add_dict_consistency();
    expect(ci.engine.listDicts()).toEqual(['dict2', 'dict3', 'dict4', 'dict5']);
    expect(ci.engine.listKeys('dict5').length).toBe(36);
    ci.model.check(ci.engine);

    ci.patch_test();
    ci.model.check(ci.engine);
    ci.checkCiChecksums();
    expect(new TextDecoder().decode(ci.engine.read(ci.engine.get('dict5', ci.engine.listKeys('dict5')[0]), 5, 8))).toBe(
      'patched!',
    );

    ci.delete_pattern();
    ci.model.check(ci.engine);
    ci.patch_test();
    ci.model.check(ci.engine);
    ci.delete_pattern();
    ci.model.check(ci.engine);
    ci.delete_add_dict_consistency(3, 50);
    ci.model.check(ci.engine);
    remountAll('mid');
    ci.model.check(ci.engine);
    ci.delete_add_dict_consistency(3, 50);
    ci.model.check(ci.engine);
    ci.delete_add_dict_consistency(6, 50);
    ci.model.check(ci.engine);
    ci.checkCiChecksums();

    const preList = ci.allKeys();
    expect(preList.length).toBeGreaterThan(200);

    // "Doing remount disk test"
    remountAll('1');
    expect(ci.engine.listBasis()).toEqual(['.System']);
    ci.model.check(ci.engine);
    expect(ci.allKeys()).toEqual(preList);

    // "Mounting the second basis", "Adding keys to Basis2"
    ci.engine.unlockBasis(EXTRA_BASIS, EXTRA_BASIS_PW);
    expect(ci.engine.listDicts(EXTRA_BASIS)).toEqual([]);
    ci.delete_add_dict_consistency(3, 15, EXTRA_BASIS);
    ci.model.check(ci.engine);
    const mergeList = ci.allKeys();
    const b2List = ci.allKeys(EXTRA_BASIS);
    expect(b2List.length).toBe(45);
    for (const k of preList) expect(mergeList).toContain(k); // pre-merge list is a subset of the merged one
    for (const k of b2List) expect(mergeList).toContain(k); // basis 2 is a subset of the merged lists
    expect(mergeList.length).toBe(new Set([...preList, ...b2List]).size);
    // The .System dicts are untouched by the Basis2 phase (its dict_remove calls found nothing in Basis2).
    for (const dict of ci.engine.listDicts('.System'))
      expect(ci.engine.listKeys(dict, '.System').length).toBeGreaterThan(0);

    ci.engine.lockBasis(EXTRA_BASIS);
    expect(ci.allKeys()).toEqual(preList);

    // "Doing remount disk test part 2"
    remountAll('2');
    expect(ci.allKeys()).toEqual(preList);
    ci.model.check(ci.engine);

    // "Mounting the second basis again"
    ci.engine.unlockBasis(EXTRA_BASIS, EXTRA_BASIS_PW);
    expect(ci.allKeys()).toEqual(mergeList);
    ci.model.check(ci.engine);
    ci.checkCiChecksums();
    expect(ci.syncs).toBeGreaterThan(1000);
    expect(ci.rebuilds).toBeGreaterThan(0); // the workload outgrew FastSpace at least once, and recovered
  });
});
