// How the vault servers answer: every response starts with `error` ('' = ok, else a VaultCode or 'pddb:<PddbCode>')
// and a message that never holds a secret; the typed clients turn a failure back into the same typed error.
import { t } from '../../transports/ipc/index.ts';
import { PddbError, type PddbCode } from '../../pddb/errors.ts';
import { VAULT_CODES, VaultError, type VaultCode } from './errors.ts';

export const faultFields = { error: t.string(32, { public: true }), message: t.string(256) };

export interface Fault {
  error: string;
  message: string;
}

export const OK: Fault = { error: '', message: '' };

/** A thrown error as a response. Anything that is not ours or the PDDB's is reported without its text. */
export function toFault(e: unknown): Fault {
  if (e instanceof VaultError) return { error: e.code, message: clip(e.message.replace(/^\w+: /, '')) };
  if (e instanceof PddbError) return { error: `pddb:${e.code}`, message: clip(e.message.replace(/^\w+: /, '')) };
  return { error: 'pddb:InternalError', message: 'internal error in the vault server' };
}

export function check<T extends Fault>(r: T): T {
  if (r.error === '') return r;
  if (r.error.startsWith('pddb:')) throw new PddbError(r.error.slice(5) as PddbCode, r.message);
  if ((VAULT_CODES as readonly string[]).includes(r.error)) throw new VaultError(r.error as VaultCode, r.message);
  throw new PddbError('InternalError', r.message);
}

function clip(s: string): string {
  const b = new TextEncoder().encode(s);
  return b.length <= 250 ? s : new TextDecoder().decode(b.subarray(0, 240)).replace(/\uFFFD$/, '') + '...';
}
