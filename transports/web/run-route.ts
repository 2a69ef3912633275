// POST /api/run: another pvault command, run by the served device for a process on this machine (the CLI on a folder
// that `pvault serve` holds). The body carries the command's argv, the secret environment variables it reads, its
// working folder and its stdin; the reply, its exit status and output bytes. Only loopback peers: a run reads and
// writes files as the serve's user (import FILE, --out FILE), which the token alone must not grant over a network.
import { isAbsolute } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { WebError } from './error-reply.ts';
import { IMPORT_FILE_MAX } from '../../vault/transfer/import.ts';

export interface RunRequest {
  argv: string[];
  /** Variables for the run; null: unset for the run (a --password ENVVAR the caller does not have). */
  env: Record<string, string | null>;
  /** The caller's working folder: relative paths in argv mean what they mean to the caller. */
  cwd: string;
  /** Base64; absent when the command reads no stdin. */
  stdin?: string;
}

export interface RunResult {
  status: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export type CommandRunner = (req: RunRequest) => Promise<RunResult>;

/** stdin up to the largest import file; the body is its base64 plus room for argv and env. */
export const RUN_STDIN_MAX = IMPORT_FILE_MAX;
const base64Length = (n: number) => Math.ceil(n / 3) * 4;
export const RUN_BODY_LIMIT = base64Length(RUN_STDIN_MAX) + 1024 * 1024;

const body = {
  type: 'object',
  additionalProperties: false,
  required: ['argv', 'env', 'cwd'],
  properties: {
    argv: { type: 'array', minItems: 1, maxItems: 1024, items: { type: 'string', maxLength: 128 * 1024 } },
    env: {
      type: 'object',
      maxProperties: 64,
      propertyNames: { pattern: '^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]{0,127}$' },
      additionalProperties: { anyOf: [{ type: 'string', maxLength: 4096 }, { type: 'null' }] },
    },
    cwd: { type: 'string', minLength: 1, maxLength: 4096 },
    stdin: { type: 'string', maxLength: base64Length(RUN_STDIN_MAX), pattern: '^[A-Za-z0-9+/]*={0,2}$' },
  },
} as const;

export function runRoute(app: FastifyInstance, run: CommandRunner): void {
  app.post(
    '/api/run',
    {
      bodyLimit: RUN_BODY_LIMIT,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { token: { type: 'string', maxLength: 128 } },
        },
        body,
      },
    },
    async (req) => {
      if (!isLoopback(req.socket.remoteAddress))
        throw new WebError(403, 'NotLocal', 'commands run only for processes on this machine');
      const r = req.body as RunRequest;
      if (!isAbsolute(r.cwd)) throw new WebError(400, 'BadRequest', 'cwd must be an absolute path');
      const out = await run(r);
      const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
      return { ok: true, status: out.status, stdout: b64(out.stdout), stderr: b64(out.stderr) };
    },
  );
}

function isLoopback(address: string | undefined): boolean {
  return (
    address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
  );
}
