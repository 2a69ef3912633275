// Typed client of the ui server.
import type { ClientProcess, Connection } from '../../transports/ipc/index.ts';
import {
  type PolicyMode,
  type Presence,
  UI_SERVER_NAME,
  UiOp,
  uiOps,
  type Policy,
  type UiOps,
  type UpState,
} from './api.ts';

export class UiClient {
  private constructor(private readonly conn: Connection<UiOps>) {}

  static async connect(proc: ClientProcess, timeoutMs?: number): Promise<UiClient> {
    return new UiClient(await proc.connect(UI_SERVER_NAME, { api: uiOps, timeoutMs }));
  }

  /** Show the presence modal and wait for the answer. */
  async requestPresence(reason: string, rp: string, user: string): Promise<Presence> {
    const r = await this.conn.request(UiOp.RequestPresence, { reason, rp: clip(rp), user: clip(user) });
    return r.outcome as Presence;
  }

  /** Cancel what the screen shows; resolves to the number of requests cancelled. */
  async cancel(): Promise<number> {
    const [n] = await this.conn.blockingScalar(UiOp.Cancel);
    return n;
  }

  async status(): Promise<{ state: UpState; secondsLeft: number }> {
    const [state, secondsLeft] = await this.conn.blockingScalar(UiOp.Status);
    return { state: state as UpState, secondsLeft };
  }

  screen() {
    return this.conn.request(UiOp.Screen, {});
  }

  async press(key: string): Promise<boolean> {
    return (await this.conn.request(UiOp.Key, { key })).handled;
  }

  async setPolicy(policy: Partial<Policy> & { mode: PolicyMode }): Promise<void> {
    await this.conn.request(UiOp.SetPolicy, { script: [], delayMs: 0, ...policy });
  }
}

/** Names longer than the screen field are cut on a character boundary (the modal shows the start anyway). */
function clip(s: string): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= 256) return s;
  return new TextDecoder().decode(bytes.subarray(0, 253)).replace(/\uFFFD$/, '') + '...';
}
