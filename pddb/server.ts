// The PDDB server, "_Plausibly Deniable Database_": the only code that touches the engine. It owns the image
// file, hands out key tokens, and answers every request with a PDDB result code (never a crash: anything
// unexpected becomes InternalError and the server keeps serving).
import { FileFlash } from './flash/file.ts';
import type { Flash } from './flash/flash.ts';
import { MemoryFlash } from './flash/memory.ts';
import { PDDB_CODE_NUMBER, PddbError } from './errors.ts';
import { PddbEngine, type KeyHandle } from './engine/engine.ts';
import { formatSteps, type FormatProgress } from './engine/format.ts';
import { BULK_PAGE, BULK_VALUE_MAX, KEY_CHUNK, LIST_PAGE, PDDB_SERVER_NAME, PddbOp, pddbOps } from './api.ts';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { SeededRandom, defaultRandom, type Random } from '../lib/random.ts';
import { MessageKind, type IncomingOf, type ProcessContext, type Responder } from '../transports/ipc/index.ts';
import { FlashError } from './flash/errors.ts';

export interface PddbInit {
  /** The raw PDDB region: a file path, or an in-memory image of this many bytes (thread mode tests). */
  image: { path: string } | { memory: number };
  /** Where the keybox lives (read at mount, written at format). Absent for an in-memory device. */
  keyboxPath?: string;
  /** Seed for a deterministic device (tests, experiments); production uses the CSPRNG. */
  seed?: string;
  /** Device DNA as a decimal string (bigint does not cross structuredClone everywhere). */
  dna?: string;
}

type Msg = IncomingOf<typeof pddbOps>;

const ok = { code: 0, message: '' };

export default async function pddbProcess(ctx: ProcessContext, init: PddbInit): Promise<void> {
  const server = new PddbServer(init);
  await ctx.registerServer({
    name: PDDB_SERVER_NAME,
    opcodes: pddbOps,
    handle: (msg) => server.handle(msg),
  });
}

class PddbServer {
  private engine: PddbEngine | null = null;
  private flash: Flash | null = null;
  private keybox: Uint8Array | null = null;
  private format: { steps: Generator<FormatProgress, Uint8Array>; last: FormatProgress } | null = null;
  private readonly tokens = new Map<number, KeyHandle>();
  private nextToken = 1;
  private basisSeq = 0;
  private waiters: { since: number; responder: Responder }[] = [];
  private readonly random: Random;
  private readonly dna: bigint;

  constructor(private readonly init: PddbInit) {
    this.random = init.seed !== undefined ? new SeededRandom(init.seed) : defaultRandom;
    this.dna = BigInt(init.dna ?? '0');
  }

  handle(msg: Msg): readonly number[] | void {
    switch (msg.opcode) {
      case PddbOp.IsMounted:
        return [this.engine ? 1 : 0];
      case PddbOp.FormatStep:
        return this.formatStep();
      case PddbOp.BasisMonitor:
        return this.monitor(msg.args[0], msg.defer());
      case PddbOp.KeyDrop:
        this.tokens.delete(msg.args[0]);
        return msg.kind === MessageKind.Scalar ? undefined : [0];
    }
    try {
      this.dispatch(msg);
    } catch (e) {
      msg.respond(failure(e));
    }
  }

  private dispatch(msg: Msg): void {
    switch (msg.opcode) {
      case PddbOp.TryMount:
        return msg.respond(this.mount(msg.value.pin));
      case PddbOp.FormatBegin:
        return msg.respond(this.formatBegin(msg.value.pin, Number(msg.value.size)));
      case PddbOp.ListBasis:
        return msg.respond(page(this.mounted().listBasis(), msg.value.after));
      case PddbOp.LatestBasis:
        return msg.respond({ ...ok, names: [this.mounted().latestBasis()], more: false });
      case PddbOp.CreateBasis:
        this.mounted().createBasis(msg.value.name, msg.value.password ?? '');
        return msg.respond(ok);
      case PddbOp.OpenBasis: {
        const { name, password, policy, sleeps } = msg.value;
        this.mounted().unlockBasis(name, password ?? '', policy === 1 ? { kind: 'clearAfterSleeps', sleeps } : { kind: 'persist' });
        return msg.respond(ok);
      }
      case PddbOp.CloseBasis:
        this.mounted().lockBasis(msg.value.name);
        return msg.respond(ok);
      case PddbOp.DeleteBasis:
        this.mounted().deleteBasis(msg.value.name);
        return msg.respond(ok);
      case PddbOp.DeleteKey:
        if (msg.value.key === undefined) throw new PddbError('InvalidArgument', 'DeleteKey names a key');
        this.mounted().deleteKey(msg.value.dict, msg.value.key, msg.value.basis);
        return msg.respond(ok);
      case PddbOp.DeleteDict:
        this.mounted().deleteDict(msg.value.dict, msg.value.basis);
        return msg.respond(ok);
      case PddbOp.KeyRequest: {
        const v = msg.value;
        const h = this.mounted().get(v.dict, v.key, {
          basis: v.basis,
          createDict: v.createDict,
          createKey: v.createKey,
          allocHint: v.allocHint === undefined ? undefined : safeNumber(v.allocHint),
        });
        const token = this.nextToken++;
        this.tokens.set(token, h);
        return msg.respond({ ...ok, token, basis: h.basis });
      }
      case PddbOp.KeyAttributes: {
        const a = this.mounted().attributes(this.handleOf(msg.value.token));
        return msg.respond({ ...ok, attributes: { ...a, len: BigInt(a.len), reserved: BigInt(a.reserved) } });
      }
      case PddbOp.ReadKey: {
        const { token, position, len } = msg.value;
        const data = this.mounted().read(this.handleOf(token), safeNumber(position), Math.min(len, KEY_CHUNK));
        return msg.respond({ ...ok, data });
      }
      case PddbOp.WriteKey:
        this.mounted().write(this.handleOf(msg.value.token), safeNumber(msg.value.position), msg.value.data);
        return msg.respond(ok);
      case PddbOp.TruncateKey:
        this.mounted().truncate(this.handleOf(msg.value.token), safeNumber(msg.value.position));
        return msg.respond(ok);
      case PddbOp.WriteKeyFlush:
        this.handleOf(msg.value.token);
        this.mounted().sync();
        return msg.respond(ok);
      case PddbOp.ListDict:
        return msg.respond(page(this.mounted().listDicts(msg.value.basis), msg.value.after));
      case PddbOp.ListKey:
        if (msg.value.dict === undefined) throw new PddbError('InvalidArgument', 'ListKey names a dict');
        return msg.respond(page(this.mounted().listKeys(msg.value.dict, msg.value.basis), msg.value.after));
      case PddbOp.DictBulkRead:
        return msg.respond(this.bulkRead(msg.value.dict, msg.value.basis, msg.value.after));
      case PddbOp.Sync:
        this.mounted().sync();
        return msg.respond(ok);
      case PddbOp.Suspend:
        return msg.respond({ ...ok, names: this.mounted().suspend(), more: false });
      case PddbOp.RebuildSpace:
        this.mounted().rebuildSpace();
        return msg.respond(this.status());
      case PddbOp.Status:
        return msg.respond(this.status());
      case PddbOp.Churn:
        this.mounted().churn();
        return msg.respond(ok);
      case PddbOp.ExportKeys: {
        const bases = this.mounted()
          .exportKeys()
          .filter((b) => msg.value.basis === undefined || b.name === msg.value.basis);
        return msg.respond({ ...ok, bases: bases.map((b) => ({ name: b.name, data: b.keys.data, pt: b.keys.pt })) });
      }
    }
  }

  private mount(pin: string) {
    if (this.engine) return ok;
    const flash = this.openFlash();
    if (!this.keybox) {
      if (!this.init.keyboxPath || !existsSync(this.init.keyboxPath)) throw new PddbError('NotMounted', 'no keybox: format the device first');
      this.keybox = new Uint8Array(readFileSync(this.init.keyboxPath));
    }
    this.engine = PddbEngine.mount(flash, this.keybox, pin, { random: this.random, dna: this.dna });
    this.engine.onBasisChange(() => this.basisChanged());
    return ok;
  }

  private formatBegin(pin: string, size: number) {
    if (this.engine) throw new PddbError('AccessDenied', 'the PDDB is mounted: formatting it would destroy it');
    const flash = this.openFlash(size);
    this.format = { steps: formatSteps(flash, { pin, random: this.random, dna: this.dna }), last: { done: 0, total: 1 } };
    return ok;
  }

  /** One chunk of the format: returns [done, total, finished (1) or failed (2)]. */
  private formatStep(): readonly number[] {
    if (!this.format) return [0, 0, 2];
    try {
      const r = this.format.steps.next();
      if (!r.done) {
        this.format.last = r.value;
        return [r.value.done, r.value.total, 0];
      }
      this.keybox = r.value;
      if (this.init.keyboxPath) writeFileSync(this.init.keyboxPath, r.value, { mode: 0o600 });
      const { total } = this.format.last;
      this.format = null;
      return [total, total, 1];
    } catch {
      this.format = null;
      return [0, 0, 2];
    }
  }

  private openFlash(formatSize?: number): Flash {
    if (this.flash && formatSize === undefined) return this.flash;
    this.flash?.close();
    const image = this.init.image;
    if ('memory' in image) this.flash = new MemoryFlash(formatSize ?? image.memory);
    else if (formatSize !== undefined) this.flash = FileFlash.create(image.path, formatSize, { overwrite: true });
    else if (!existsSync(image.path)) throw new PddbError('NotMounted', 'no PDDB image: format the device first');
    else this.flash = FileFlash.open(image.path);
    return this.flash;
  }

  private bulkRead(dict: string | undefined, basis: string | undefined, after: string | undefined) {
    if (dict === undefined) throw new PddbError('InvalidArgument', 'DictBulkRead names a dict');
    const engine = this.mounted();
    const all = engine.listKeys(dict, basis).filter((k) => after === undefined || k > after);
    const entries = all.slice(0, BULK_PAGE).map((key) => {
      const h = engine.get(dict, key, { basis });
      const len = engine.attributes(h).len;
      return { key, basis: h.basis, len: BigInt(len), value: len <= BULK_VALUE_MAX ? engine.readAll(h) : undefined };
    });
    return { ...ok, entries, more: all.length > BULK_PAGE };
  }

  private status() {
    const flash = this.flash;
    const stats = flash?.stats;
    return {
      ...ok,
      status: {
        mounted: this.engine !== null,
        size: BigInt(flash?.size ?? 0),
        dataPages: this.engine?.layout.dataPages ?? 0,
        freeSpace: this.engine?.freeSpace ?? 0,
        erases: BigInt(stats?.erases ?? 0),
        programs: BigInt(stats?.programs ?? 0),
      },
    };
  }

  /** Long poll: answered once the basis set changes after `since` (the original calls back a client server). */
  private monitor(since: number, responder: Responder): void {
    if (this.basisSeq > since) responder.reply([this.basisSeq]);
    else this.waiters.push({ since, responder });
  }

  private basisChanged(): void {
    this.basisSeq++;
    for (const w of this.waiters.splice(0)) w.responder.reply([this.basisSeq]);
  }

  private mounted(): PddbEngine {
    if (!this.engine) throw new PddbError('NotMounted', 'the PDDB is not mounted');
    return this.engine;
  }

  private handleOf(token: number): KeyHandle {
    const h = this.tokens.get(token);
    if (!h) throw new PddbError('NotFound', 'unknown or dropped key token');
    return h;
  }
}

/** A page of a sorted name list, after `after`. */
function page(names: string[], after: string | undefined) {
  const rest = after === undefined ? names : names.filter((n) => n > after);
  return { ...ok, names: rest.slice(0, LIST_PAGE), more: rest.length > LIST_PAGE };
}

function safeNumber(x: bigint): number {
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new PddbError('InvalidArgument', 'offset or size too large');
  return Number(x);
}

/** Any failure as a PDDB result: typed errors keep their code; the rest is InternalError, without details. */
function failure(e: unknown): { code: number; message: string } {
  if (e instanceof PddbError) return { code: PDDB_CODE_NUMBER[e.code], message: e.message };
  return { code: PDDB_CODE_NUMBER.InternalError, message: e instanceof FlashError ? `flash: ${e.code}` : 'internal error' };
}
