// What the control API can do to a running device, as typed calls on its IPC clients: one 'web' process on the
// device's kernel holds a client of each server, so every HTTP request shows in the trace as that process's messages.
import type { Device } from '../../vault/device/device.ts';
import { TotpClient, type NewTotp } from '../../vault/totp/client.ts';
import { PasswordsClient, type NewPassword, type Which } from '../../vault/passwords/client.ts';
import { UiClient } from '../../vault/ui/client.ts';
import { Presence } from '../../vault/ui/api.ts';
import { DENY_KEY } from '../../vault/ui/screen.ts';
import { FidoClient } from '../../vault/fido/api.ts';
import { CtapHost } from '../../vault/fido/host.ts';
import { storedCredentials } from '../../vault/fido/inventory.ts';
import { Pddb } from '../../pddb/index.ts';
import type { TraceEntry } from '../../transports/ipc/index.ts';

/** The part of a booted device the web side needs (a Device, or a test's equivalent). */
export type ServedDevice = Pick<Device, 'kernel'>;

/** The process name of the control API's own clients, and of its screen poller (kept out of the trace feed). */
export const WEB_PROCESS = 'web';
export const POLL_PROCESS = 'web-poll';

export class DeviceControl {
  private constructor(
    readonly device: ServedDevice,
    readonly pddb: Pddb,
    readonly totp: TotpClient,
    readonly passwords: PasswordsClient,
    readonly ui: UiClient,
    /** The screen poller's own connection: its messages are filtered out of the trace feed. */
    readonly pollUi: UiClient,
    readonly fido: FidoClient,
  ) {}

  static async connect(device: ServedDevice): Promise<DeviceControl> {
    const proc = device.kernel.process(WEB_PROCESS);
    const poll = device.kernel.process(POLL_PROCESS);
    const [pddb, totp, passwords, ui, pollUi, fido] = await Promise.all([
      Pddb.connect(proc),
      TotpClient.connect(proc),
      PasswordsClient.connect(proc),
      UiClient.connect(proc),
      UiClient.connect(poll),
      FidoClient.connect(proc),
    ]);
    return new DeviceControl(device, pddb, totp, passwords, ui, pollUi, fido);
  }

  async status() {
    const [pddb, bases, screen] = await Promise.all([this.pddb.status(), this.pddb.listBasis(), this.ui.screen()]);
    return { mounted: pddb.mounted, bases, latest: bases.at(-1) ?? null, pddb, presencePending: screen.modal };
  }

  bases(): Promise<string[]> {
    return this.pddb.listBasis();
  }

  async unlock(name: string, password: string): Promise<string[]> {
    await this.pddb.unlockBasis(name, password);
    return this.pddb.listBasis();
  }

  /** Create a secret basis; it stays locked, as the original's basis create. */
  async create(name: string, password: string): Promise<string[]> {
    await this.pddb.createBasis(name, password);
    return this.pddb.listBasis();
  }

  async lock(name: string): Promise<string[]> {
    await this.pddb.lockBasis(name);
    return this.pddb.listBasis();
  }

  async totpList(filter?: string) {
    return this.totp.list(filter);
  }

  async totpAdd(e: NewTotp, basis?: string) {
    const { key, basis: b, record } = await this.totp.add(e, { basis });
    return { key, basis: b, name: record.name, issuer: record.issuer };
  }

  totpCode(name: string, basis?: string) {
    return this.totp.code(name, { basis });
  }

  totpDelete(name: string, basis?: string) {
    return this.totp.delete(name, basis);
  }

  pwList(filter?: string) {
    return this.passwords.list(filter);
  }

  async pwAdd(e: NewPassword, basis?: string) {
    const { key, basis: b, record } = await this.passwords.add(e, basis);
    return { key, basis: b, description: record.description, username: record.username };
  }

  async pwGet(which: Which) {
    const { key, basis, record } = await this.passwords.get(which);
    return {
      key,
      basis,
      description: record.description,
      username: record.username,
      password: record.password,
      notes: record.notes,
    };
  }

  pwDelete(which: Which) {
    return this.passwords.delete(which);
  }

  fidoInfo() {
    return new CtapHost(this.fido).info();
  }

  fidoList(rp?: string) {
    return storedCredentials(this.pddb, rp);
  }

  screen() {
    return this.ui.screen();
  }

  /** A key on the device keyboard; `handled` is whether the presence modal took it. */
  press(key: string) {
    return this.ui.press(key);
  }

  /** Answer the request the modal shows: false when none is shown. */
  async answerPresence(outcome: Presence.Approved | Presence.Denied): Promise<boolean> {
    return this.ui.press(outcome === Presence.Denied ? DENY_KEY : 'Enter');
  }

  /** Trace entries after `since` (a seq), without the screen poller's messages. */
  trace(since = -1, limit = 500): TraceEntry[] {
    return this.device.kernel.trace
      .entries()
      .filter((e) => e.seq > since && e.from !== POLL_PROCESS)
      .slice(-limit);
  }

  async close(): Promise<void> {
    await this.pddb.close();
  }
}
