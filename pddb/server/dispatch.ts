// The receive loop's body for the PDDB server: run the opcode's handler, answer with the original's result number
// (success or the failure's code). For a message that carries a secret, the lent buffer is zeroed before the answer
// goes back in it, and the answer's own byte fields once it is encoded.
import { MessageKind, type HandlerResult, type IncomingOf } from '../../transports/ipc/index.ts';
import type { PddbOp, PddbOps } from '../api.ts';
import { handlers, type Handler } from './handlers.ts';
import type { PddbServer } from './pddb-server.ts';
import { failureNumber, OK_IN } from './results.ts';

export function dispatch(s: PddbServer, msg: IncomingOf<PddbOps>): HandlerResult {
  const h = handlers[msg.opcode as PddbOp] as Handler<PddbOp>;
  const lent = msg.kind === MessageKind.MutableBorrow;
  let answer: { code: number } & object;
  try {
    const r = h.run(s, msg as never);
    if (Array.isArray(r)) return r;
    if (!lent || r === undefined) return;
    answer = { code: OK_IN[h.space], ...r };
  } catch (e) {
    if (!lent) return msg.kind === MessageKind.BlockingScalar ? [failureNumber(e, h.space)] : undefined;
    answer = { code: failureNumber(e, h.space) };
  } finally {
    // The decoded request's bytes (a password, a PIN, a value) are the server's copies: gone, success or not.
    if (h.secret && msg.value) wipeFields(msg.value);
  }
  if (h.secret) msg.buf!.bytes.fill(0);
  (msg.respond as (v: object) => void)(answer);
  if (h.secret) wipeFields(answer);
}

/** Zero the byte fields of a request or an answer: the server keeps no copy of a secret past the reply. */
function wipeFields(value: object): void {
  for (const v of Object.values(value)) {
    if (v instanceof Uint8Array) v.fill(0);
    else if (Array.isArray(v)) for (const item of v) if (item !== null && typeof item === 'object') wipeFields(item);
  }
}
