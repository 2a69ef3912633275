// The PDDB server's state: the engine once mounted, the flash it runs on, key tokens, watches, listing sessions,
// the long polls (IsMounted, BasisMonitor) and a format in progress. The opcode handlers (handlers.ts) act on it;
// dispatch() turns whatever a handler throws into the original's result number and keeps serving.
import { equalBytes } from '@noble/ciphers/utils.js';
import type { Incoming, Responder } from '../../transports/ipc/index.ts';
import type { Random } from '../../lib/random.ts';
import { PddbEngine, type KeyHandle } from '../engine/engine.ts';
import type { Flash } from '../flash/flash.ts';
import { codeNumber, PddbError, REQUEST_OK } from '../errors.ts';
import { codeOf, secretText } from './results.ts';
import { BASIS_LIST_MAX, MountResult } from '../api.ts';
import { FormatJob } from './format-job.ts';
import type { PddbStorage } from './storage.ts';
import { KeyTokens, type TokenRecord } from './tokens.ts';
import { BulkCursors } from './bulk-cursor.ts';
import { KeyWatches } from './watches.ts';

export interface ServerOptions {
  random: Random;
  dna: bigint;
  /** ExportKeys answers only a request carrying these bytes (given at spawn to the device's own shell). */
  exportCapability?: Uint8Array;
  /** Passed to the engine (EngineOptions.allBasesPresent): a sync may refill FastSpace from a full scan. */
  allBasesPresent?: boolean;
}

type Monitor = {
  msg: Incoming<number, unknown, { code: number; list?: string[]; num?: number; seq?: number }>;
  responder: Responder;
  since: number;
};

export class PddbServer {
  engine: PddbEngine | null = null;
  format: FormatJob | null = null;
  readonly tokens: KeyTokens;
  readonly watches = new KeyWatches(REQUEST_OK);
  /** Listing sessions (KeyCountInDict + ListKeyV2, DictCountInBasis + GetDictNameAtIndex), one of each per process. */
  readonly keyLists = new Map<number, { basis: string | undefined; names: string[] }>();
  readonly dictLists = new Map<number, { basis: string | undefined; names: string[] }>();
  /** Where each process's DictBulkRead stands; handlers that create or delete keys or dicts clear them. */
  readonly bulkCursors = new BulkCursors();
  private flash: Flash | null = null;
  private bootPin: Uint8Array | null = null;
  private failedMounts = 0;
  private basisSeq = 0;
  private monitors: Monitor[] = [];
  private mountWaiters: Responder[] = [];

  constructor(
    readonly storage: PddbStorage,
    readonly opts: ServerOptions,
  ) {
    this.tokens = new KeyTokens(opts.random);
  }

  get mounted(): boolean {
    return this.engine !== null;
  }

  /** The engine, or NotMounted. */
  need(): PddbEngine {
    if (!this.engine) throw new PddbError('NotMounted', 'the PDDB is not mounted');
    return this.engine;
  }

  /** Keep the PIN until the next TryMount (a copy: the message's bytes are zeroed after the reply). */
  setBootPin(pin: Uint8Array): void {
    this.bootPin?.fill(0);
    this.bootPin = pin.slice();
  }

  /** TryMount: [0, 0] mounted (or already), [1, failures, code] not. The PIN is forgotten either way. */
  tryMount(): readonly number[] {
    if (this.engine) return [MountResult.Mounted, 0];
    const pin = this.bootPin;
    this.bootPin = null;
    try {
      if (!pin) throw new PddbError('AccessDenied', 'no boot PIN given');
      const flash = this.openFlash();
      this.engine = PddbEngine.mount(flash, this.storage.readKeybox(), secretText(pin), this.opts);
    } catch (e) {
      const code = codeOf(e);
      if (code === 'AccessDenied') this.failedMounts++;
      return [MountResult.Failed, this.failedMounts, codeNumber(code, 'request')];
    } finally {
      pin?.fill(0);
    }
    this.failedMounts = 0;
    this.engine.onBasisChange((e) => this.basisChanged(e.kind, e.basis));
    for (const w of this.mountWaiters.splice(0)) w.reply([0, 0]);
    this.basisChanged('unlocked', '');
    return [MountResult.Mounted, 0];
  }

  /** IsMounted: (0, 0) once mounted; until then the reply is held (the original's is_mounted_blocking). */
  isMounted(msg: Incoming): readonly number[] | void {
    if (this.engine) return [0, 0];
    this.mountWaiters.push(msg.defer());
  }

  beginFormat(pin: Uint8Array, size: number): void {
    if (this.engine) throw new PddbError('AccessDenied', 'the PDDB is mounted: formatting it would destroy it');
    this.flash?.close();
    this.flash = null;
    const flash = this.storage.create(size);
    this.flash = flash;
    this.format = new FormatJob(flash, secretText(pin), this.opts, (keybox) => this.storage.writeKeybox(keybox));
  }

  openFlash(): Flash {
    this.flash ??= this.storage.open();
    return this.flash;
  }

  get flashStats(): { size: number; erases: number; programs: number } {
    return {
      size: this.flash?.size ?? 0,
      erases: this.flash?.stats.erases ?? 0,
      programs: this.flash?.stats.programs ?? 0,
    };
  }

  /** Make one basis's pending changes durable: only what is dirty, copy-on-write (a durable write's sync). */
  syncHandle(h: KeyHandle): void {
    h.catalog.sync();
    this.flash!.sync();
  }

  checkCapability(given: Uint8Array): void {
    const cap = this.opts.exportCapability;
    if (!cap || !equalBytes(cap, given))
      throw new PddbError('AccessDenied', 'exporting keys needs the device capability');
  }

  /** BasisMonitor: answered with the open bases once the set changes after `since` (or at once if it has). */
  monitor(msg: Monitor['msg'], since: number | undefined): void {
    const m = { msg, responder: msg.defer(), since: since ?? this.basisSeq };
    if (this.basisSeq > m.since) this.answerMonitor(m);
    else this.monitors.push(m);
  }

  /** A key's bytes changed through `by`: tell the other watchers of the same key. */
  keyChanged(by: TokenRecord): void {
    const { basis, dict, key } = by.handle;
    this.watches.notify(
      [...this.tokens.all()].filter(
        (r) => r !== by && r.handle.basis === basis && r.handle.dict === dict && r.handle.key === key,
      ),
    );
  }

  /** A key (or every key of a dict, `key` undefined) was deleted from `basis`: its tokens go, as the original
   * evicts them, and their watchers hear of it. */
  keysDeleted(basis: string, dict: string, key: string | undefined): void {
    const gone = this.tokens.dropWhere(
      (r) => r.handle.basis === basis && r.handle.dict === dict && (key === undefined || r.handle.key === key),
    );
    this.watches.notify(gone, true);
  }

  /** The process is done with the PDDB: its tokens, watches and listing sessions go; its long polls answer. */
  release(pid: number): void {
    this.tokens.dropWhere((r) => r.pid === pid);
    this.watches.release(pid);
    this.keyLists.delete(pid);
    this.dictLists.delete(pid);
    this.bulkCursors.release(pid);
    const [theirs, others] = partition(this.monitors, (m) => m.msg.sender === pid);
    this.monitors = others;
    for (const m of theirs) this.answerMonitor(m);
  }

  private basisChanged(kind: string, basis: string): void {
    this.basisSeq++;
    this.bulkCursors.clear();
    if (kind === 'locked' || kind === 'deleted' || kind === 'unlocked') {
      // Tokens of a basis that is no longer open go, and so do listings that may hold its names.
      this.watches.notify(
        this.tokens.dropWhere((r) => !this.isOpen(r.handle)),
        true,
      );
      for (const lists of [this.keyLists, this.dictLists]) {
        for (const [pid, l] of lists) if (l.basis === undefined || l.basis === basis) lists.delete(pid);
      }
    }
    // Any change of the stack may change which basis a key resolves to: every watcher hears of it (the original's
    // notify_of_disconnect does the same on open, close and delete).
    this.watches.notify(this.tokens.all());
    for (const m of this.monitors.splice(0)) this.answerMonitor(m);
  }

  private isOpen(h: KeyHandle): boolean {
    try {
      this.engine!.attributes(h);
      return true;
    } catch (e) {
      return !(e instanceof PddbError && e.code === 'BasisLost');
    }
  }

  private answerMonitor(m: Monitor): void {
    const list = this.engine?.listBasis() ?? [];
    m.msg.respond({ code: REQUEST_OK, list: list.slice(0, BASIS_LIST_MAX), num: list.length, seq: this.basisSeq });
    m.responder.reply();
  }
}

function partition<T>(items: T[], test: (t: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((t) => !test(t))];
}
