// The vault.totp server: TOTP/HOTP entries in the PDDB's `vault.totp` dict, reached only through the Pddb client.
// Spawned by the device like the PDDB server; its init names the device folder (for the device clock).
import type { ProcessContext, IncomingOf } from '../../transports/ipc/index.ts';
import { Pddb } from '../../pddb/index.ts';
import { DeviceClock } from '../clock.ts';
import { RecordStore, type RecordKind, type Stored } from '../records/store.ts';
import { OK, toFault } from '../records/wire.ts';
import { VaultError } from '../records/errors.ts';
import {
  decodeTotpRecord,
  encodeTotpRecord,
  totpKeyName,
  TOTP_ALLOC_HINT,
  TOTP_DICT,
  validateTotp,
  type TotpRecord,
} from './record.ts';
import { hotpCode, totpCode } from './otp.ts';
import { LIST_PAGE, recordFromWire, recordToWire, TOTP_SERVER_NAME, TotpOp, totpOps } from './api.ts';

export interface VaultServerInit {
  /** The device folder: the clock offset lives there. Absent: the host clock, no offset. */
  dir?: string;
}

export const totpKind: RecordKind<TotpRecord> = {
  dict: TOTP_DICT,
  allocHint: TOTP_ALLOC_HINT,
  noun: 'TOTP entry',
  keyName: (r) => totpKeyName(r.name),
  encode: encodeTotpRecord,
  decode: decodeTotpRecord,
  validate: validateTotp,
};

type Msg = IncomingOf<typeof totpOps>;

const collator = new Intl.Collator();

export default async function totpProcess(ctx: ProcessContext, init: VaultServerInit = {}): Promise<void> {
  const store = new RecordStore(await Pddb.connect(ctx), totpKind);
  const clock = new DeviceClock({ dir: init.dir });
  await ctx.registerServer({
    name: TOTP_SERVER_NAME,
    opcodes: totpOps,
    handle: async (msg) => {
      try {
        await handle(msg, store, clock);
      } catch (e) {
        // One failure shape for every opcode: the fault plus the fields its response cannot omit.
        (msg.respond as (v: object) => void)({ ...toFault(e), ...emptyOf(msg.opcode) });
      }
    },
  });
}

async function handle(msg: Msg, store: RecordStore<TotpRecord>, clock: DeviceClock): Promise<void> {
  switch (msg.opcode) {
    case TotpOp.List: {
      const needle = msg.value.filter?.toLowerCase() ?? '';
      const { hits, unreadable } = await store.query(
        needle,
        ({ record: r }) => needle === '' || [r.name, r.issuer, r.notes].some((f) => f.toLowerCase().includes(needle)),
        (a, b) => collator.compare(a.record.name, b.record.name),
      );
      const page = hits.slice(msg.value.start, msg.value.start + LIST_PAGE).map(summary);
      return msg.respond({ ...OK, entries: page, total: hits.length, unreadable });
    }
    case TotpOp.Get:
      return msg.respond({ ...OK, entry: wire(await find(store, msg.value.name, msg.value.basis)) });
    case TotpOp.Add: {
      const r = { ...recordFromWire(msg.value.record), ctime: clock.now() };
      return msg.respond({
        ...OK,
        entry: wire(await store.put(r, { basis: msg.value.basis, overwrite: msg.value.overwrite })),
      });
    }
    case TotpOp.Edit: {
      const s = await find(store, msg.value.name, msg.value.basis);
      // The original's edit is delete + create: ctime restarts and a renamed entry gets a new key.
      const r = { ...recordFromWire(msg.value.record), ctime: clock.now() };
      return msg.respond({ ...OK, entry: wire(await store.replace(s, r)) });
    }
    case TotpOp.Delete:
      await store.remove(await find(store, msg.value.name, msg.value.basis));
      return msg.respond(OK);
    case TotpOp.Code: {
      const s = await find(store, msg.value.name, msg.value.basis);
      const r = s.record;
      if (r.hotp) {
        // Persist counter + 1 before the code leaves the server: a power cut can skip a code, never repeat one.
        await store.rewrite(s, { ...r, timestep: r.timestep + 1 });
        const code = hotpCode(r, r.timestep);
        return msg.respond({ ...OK, code, remaining: 0, period: 0n, counter: BigInt(r.timestep), basis: s.basis });
      }
      const at = msg.value.at === undefined ? clock.now() : Number(msg.value.at);
      const c = totpCode({ ...r, period: r.timestep }, at);
      return msg.respond({ ...OK, code: c.code, remaining: c.remaining, period: BigInt(c.period), basis: s.basis });
    }
    case TotpOp.Import: {
      const now = clock.now();
      const records = msg.value.records.map((w) => ({ ...recordFromWire(w), ctime: now }));
      const r = await store.putMany(records, { basis: msg.value.basis });
      return msg.respond({ ...OK, added: r.added.length, duplicates: r.duplicates, basis: r.added[0]?.basis });
    }
  }
}

async function find(store: RecordStore<TotpRecord>, name: string, basis?: string): Promise<Stored<TotpRecord>> {
  const s = await store.require(totpKeyName(name));
  if (basis !== undefined && s.basis !== basis) throw new VaultError('NotFound', 'no such TOTP entry in that basis');
  return s;
}

function summary({ key, basis, record: r }: Stored<TotpRecord>) {
  return {
    key,
    basis,
    name: r.name,
    issuer: r.issuer,
    algorithm: r.algorithm,
    digits: r.digits,
    timestep: BigInt(r.timestep),
    hotp: r.hotp,
    notes: r.notes,
    ctime: BigInt(r.ctime),
  };
}

function wire(s: Stored<TotpRecord>) {
  return { key: s.key, basis: s.basis, record: recordToWire(s.record) };
}

/** The non-optional fields a failure response still has to carry. */
function emptyOf(op: TotpOp) {
  switch (op) {
    case TotpOp.List:
      return { total: 0, unreadable: 0 };
    case TotpOp.Code:
      return { code: '', remaining: 0, period: 0n };
    case TotpOp.Import:
      return { added: 0, duplicates: [] };
    default:
      return {};
  }
}
