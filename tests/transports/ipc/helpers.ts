// Shared by the IPC tests: the two modes, fixture modules, a gate to hold a server inside a handler, error checks.
import { expect } from 'vitest';
import { SeededRandom } from '../../../lib/random.ts';
import { IpcError, Kernel, XousError, type Mode } from '../../../transports/ipc/index.ts';
import type { EchoInit } from './fixtures/api.ts';

export const MODES: Mode[] = ['thread', 'worker'];
export const ECHO = new URL('./fixtures/echo.ts', import.meta.url);
export const REGISTRAR = new URL('./fixtures/registrar.ts', import.meta.url);

export function kernel(mode: Mode, trace = false): Kernel {
  return new Kernel({ mode, trace, random: new SeededRandom(`ipc-${mode}`) });
}

export function spawnEcho(k: Kernel, init: EchoInit = {}, name = 'echo-proc') {
  return k.spawn({ name, module: ECHO, init: { mode: k.mode, ...init } });
}

/** Await a rejection and check it is an IpcError with `code` (compared by name, so failures read well). */
export async function expectCode(p: Promise<unknown>, code: XousError): Promise<IpcError> {
  const e: unknown = await p.then(
    () => new Error('resolved, but a rejection was expected'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(IpcError);
  expect(XousError[(e as IpcError).code]).toBe(XousError[code]);
  return e as IpcError;
}

/**
 * Holds a server inside its Hold handler until released: Int32 [0] = released, [1] = handlers entered.
 * Shared memory, so it works the same whether the server runs in this thread or in a worker.
 */
export class Gate {
  readonly sab = new SharedArrayBuffer(8);
  private readonly v = new Int32Array(this.sab);

  /** Resolves once `n` Hold handlers have started. */
  async entered(n = 1): Promise<void> {
    for (let seen = Atomics.load(this.v, 1); seen < n; seen = Atomics.load(this.v, 1)) {
      const w = (
        Atomics as unknown as {
          waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
        }
      ).waitAsync(this.v, 1, seen);
      if (w.async) await w.value;
    }
  }

  release(): void {
    Atomics.store(this.v, 0, 1);
    Atomics.notify(this.v, 0);
  }
}

/** Let the event loop turn a few times (for asserting that something has NOT happened; never for timing). */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}
