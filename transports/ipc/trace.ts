// The kernel's message trace: what a flow did across processes and servers, for people prototyping flows.
// Payloads appear by size only, except fields (and scalar words) a server marked public: secrets never get here.
import { performance } from 'node:perf_hooks';
import { errorName, type IpcError } from './errors.ts';
import { kindName } from './message.ts';
import type { Incoming } from './server.ts';

export interface TraceEntry {
  /** Order of recording (ties in time are broken by it). */
  seq: number;
  /** When the message was sent, ms since the kernel started. */
  t: number;
  /** Sending process. */
  from: string;
  pid: number;
  /** Server name (anonymous servers: `anon:<first SID word>`), and the process hosting it. */
  to: string;
  host: string;
  toPid: number;
  op: string;
  opcode: number;
  kind: string;
  /** Bytes of memory the message carried (0 for scalars). */
  bytes: number;
  /** 'ok', 'sent' (Scalar/Move queued), or the error's name. */
  result: string;
  code: number;
  /** Send to reply (blocking kinds) or to queued (Scalar, Move), in microseconds. */
  latencyUs: number;
  /** Scalar words and reply words, only for opcodes marked publicArgs. */
  args?: number[];
  reply?: number[];
  /** Public view of the request / response payload (see Codec.view). */
  request?: unknown;
  response?: unknown;
  /** Set when the entry was recorded by the server side (a Scalar or Move its handler failed). */
  note?: string;
}

export type TraceRecord = Omit<TraceEntry, 'seq'>;

/** Wall-clock milliseconds comparable across worker threads. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Entries a trace keeps: the newest, so a device served for days does not grow without bound. */
export const TRACE_CAPACITY = 50_000;

export class Trace {
  private list: TraceEntry[] = [];
  private seq = 0;
  /** Absolute ms of the kernel start: entry times are relative to it. */
  readonly epoch = nowMs();
  /** Set by the kernel in worker mode: pulls entries that other threads recorded. */
  pull: (() => void) | undefined;

  constructor(
    public enabled = false,
    readonly capacity = TRACE_CAPACITY,
  ) {}

  record(e: TraceRecord): void {
    if (!this.enabled) return;
    this.list.push({ seq: this.seq++, ...e });
    // Past capacity, keep the newest half: amortised O(1) per record instead of a shift per record.
    if (this.list.length > this.capacity) this.list = this.list.slice(this.list.length - Math.ceil(this.capacity / 2));
  }

  entries(): TraceEntry[] {
    this.pull?.();
    return [...this.list].sort((a, b) => a.t - b.t || a.seq - b.seq);
  }

  clear(): void {
    this.pull?.();
    this.list = [];
  }

  toJSON(): TraceEntry[] {
    return this.entries();
  }

  /** A readable text sequence diagram: one lifeline per process, an arrow per request and per reply. */
  toSequenceDiagram(opts: { maxEntries?: number } = {}): string {
    return renderSequence(this.entries().slice(0, opts.maxEntries ?? Infinity));
  }
}

interface Event {
  t: number;
  seq: number;
  from: number;
  to: number;
  label: string;
  note: string;
  reply: boolean;
}

const BLOCKING = new Set(['BlockingScalar', 'Borrow', 'MutableBorrow']);

function short(v: unknown): string {
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return s === undefined ? '' : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function renderSequence(entries: TraceEntry[]): string {
  if (entries.length === 0) return '(no messages traced)\n';
  const lanes = new Map<string, number>();
  const lane = (name: string, pid: number) => {
    const key = `${name} (pid ${pid})`;
    if (!lanes.has(key)) lanes.set(key, lanes.size);
    return lanes.get(key)!;
  };
  const events: Event[] = [];
  // The kernel (name server) first, so its traffic does not cross the other lifelines.
  const kernel = entries.find((e) => e.host === 'kernel');
  if (kernel) lane('kernel', kernel.toPid);
  for (const e of entries) {
    const from = lane(e.from, e.pid);
    const to = lane(e.host, e.toPid);
    const size = e.bytes ? ` ${e.bytes}B` : '';
    const args = e.args ? ` ${short(e.args)}` : '';
    const req = e.request !== undefined ? ` ${short(e.request)}` : '';
    const blocking = BLOCKING.has(e.kind);
    const outcome = e.result === 'ok' || e.result === 'sent' ? '' : `  !! ${e.result}`;
    events.push({
      t: e.t,
      seq: e.seq * 2,
      from,
      to,
      label: `${e.to}.${e.op} ${abbrev(e.kind)}${size}`,
      note: `${args}${req}${blocking ? '' : outcome}${e.note ? ` (${e.note})` : ''}`.trim(),
      reply: false,
    });
    if (blocking) {
      const reply = e.reply ? ` ${short(e.reply)}` : '';
      const resp = e.response !== undefined ? ` ${short(e.response)}` : '';
      events.push({
        t: e.t + e.latencyUs / 1000,
        seq: e.seq * 2 + 1,
        from: to,
        to: from,
        label: e.result,
        note: `${fmtUs(e.latencyUs)}${reply}${resp}`,
        reply: true,
      });
    }
  }
  events.sort((a, b) => a.t - b.t || a.seq - b.seq);
  const names = [...lanes.keys()];
  const width = Math.min(44, Math.max(18, ...names.map((n) => n.length + 2), ...events.map((e) => e.label.length + 6)));
  const col = (i: number) => 10 + i * width;
  const total = col(names.length - 1) + 1;
  const blank = () => {
    const row = Array<string>(total).fill(' ');
    for (let i = 0; i < names.length; i++) row[col(i)] = '|';
    return row;
  };
  const lines: string[] = [];
  const head = Array<string>(total + 40).fill(' ');
  names.forEach((n, i) => {
    const start = Math.max(0, col(i) - Math.floor(n.length / 2));
    for (let k = 0; k < n.length; k++) head[start + k] = n[k];
  });
  lines.push(head.join('').trimEnd());
  lines.push(blank().join('').trimEnd());
  for (const ev of events) {
    const row = blank();
    const time = ev.reply ? '' : ev.t.toFixed(3);
    for (let k = 0; k < time.length; k++) row[k] = time[k];
    const a = col(ev.from);
    const b = col(ev.to);
    if (a === b) {
      const text = `${ev.reply ? '<-' : '->'} ${ev.label} (self)`;
      for (let k = 0; k < text.length && a + 2 + k < total; k++) row[a + 2 + k] = text[k];
    } else {
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      for (let x = lo + 1; x < hi; x++) row[x] = ev.reply ? (x % 2 ? '-' : ' ') : '-';
      if (b > a) row[hi - 1] = '>';
      else row[lo + 1] = '<';
      const text = ` ${ev.label} `;
      const start = lo + Math.max(2, Math.floor((hi - lo - text.length) / 2));
      for (let k = 0; k < text.length && start + k < hi - 1; k++) row[start + k] = text[k];
    }
    lines.push(`${row.join('').trimEnd()}${ev.note ? `   ${ev.note}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function abbrev(kind: string): string {
  switch (kind) {
    case 'BlockingScalar':
      return 'BS';
    case 'MutableBorrow':
      return 'MB';
    case 'Scalar':
      return 'S';
    case 'Borrow':
      return 'B';
    case 'Move':
      return 'MV';
    default:
      return kind;
  }
}

function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)}ms` : `${us.toFixed(1)}us`;
}

/** The entry for a Scalar or Move whose handler failed: there is no caller to tell, so the server side records it. */
export function droppedRecord(
  from: string,
  msg: Incoming,
  server: { name: string; host: string; pid: number },
  err: IpcError,
  epoch: number,
): TraceRecord {
  return {
    t: nowMs() - epoch,
    from,
    pid: msg.sender,
    to: server.name,
    host: server.host,
    toPid: server.pid,
    op: msg.name,
    opcode: msg.opcode,
    kind: kindName(msg.kind),
    bytes: msg.buf?.bytes.length ?? 0,
    result: errorName(err.code),
    code: err.code,
    latencyUs: 0,
    note: 'failed in the server after the sender had gone on',
  };
}
