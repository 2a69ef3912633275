// Every failure of a control-API request as {ok:false,error:{code,message}} with an HTTP status a client can act
// on. Messages come from the typed errors, which never carry a secret; anything else is reported without detail.
import { PddbError } from '../../pddb/errors.ts';
import { VaultError } from '../../vault/records/errors.ts';
import { CtapError, CtapStatus } from '../../vault/fido/status.ts';
import { IpcError } from '../ipc/index.ts';

export interface ErrorReply {
  status: number;
  code: string;
  message: string;
}

/** A refusal decided by the web layer itself (token, Host, Origin, a bad body). */
export class WebError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PDDB_STATUS: Partial<Record<string, number>> = {
  NotFound: 404,
  DuplicateEntry: 409,
  AccessDenied: 403,
  InvalidName: 400,
  InvalidArgument: 400,
  LimitExceeded: 400,
  NotMounted: 409,
  NoFreeSpace: 507,
  DiskFull: 507,
};

const VAULT_STATUS: Partial<Record<string, number>> = {
  NotFound: 404,
  Duplicate: 409,
  WrongPassword: 403,
  TooLarge: 413,
};

export function errorReply(e: unknown): ErrorReply {
  if (e instanceof WebError) return { status: e.status, code: e.code, message: e.message };
  if (e instanceof VaultError) return { status: VAULT_STATUS[e.code] ?? 400, code: e.code, message: e.message };
  if (e instanceof PddbError) return { status: PDDB_STATUS[e.code] ?? 500, code: e.code, message: e.message };
  if (e instanceof CtapError)
    return { status: 409, code: `Ctap${CtapStatus[e.status] ?? e.status}`, message: e.message };
  if (e instanceof IpcError) return { status: 503, code: `Ipc${e.code}`, message: e.message };
  const f = e as { validation?: unknown; statusCode?: number; code?: string; message?: string };
  // Fastify's own refusals: schema validation, body too large, bad JSON, wrong content type.
  if (f?.validation) return { status: 400, code: 'BadRequest', message: f.message ?? 'invalid request' };
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return {
      status: f.statusCode,
      code: f.statusCode === 413 ? 'TooLarge' : 'BadRequest',
      message: f.message ?? 'bad request',
    };
  }
  return { status: 500, code: 'InternalError', message: 'internal error' };
}
