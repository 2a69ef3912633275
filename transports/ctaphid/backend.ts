// What the CTAPHID device forwards to: the FIDO server (CBOR and U2F messages) and the ui server (presence status for
// KEEPALIVE, cancel). An interface so that the channel machine can be driven by the IPC clients or by anything else
// that answers the same way.
import type { FidoClient } from '../../vault/fido/api.ts';
import { UpState } from '../../vault/ui/api.ts';
import type { UiClient } from '../../vault/ui/client.ts';

export interface CtaphidBackend {
  cbor(message: Uint8Array): Promise<Uint8Array>;
  msg(apdu: Uint8Array): Promise<Uint8Array>;
  /** True while the user is being asked for presence (KEEPALIVE UPNEEDED). */
  waitingForUser(): Promise<boolean>;
  /** Cancel the presence request being shown. */
  cancel(): Promise<void>;
}

export class FidoBackend implements CtaphidBackend {
  constructor(
    private readonly fido: FidoClient,
    private readonly ui: UiClient,
  ) {}

  cbor(message: Uint8Array) {
    return this.fido.cbor(message);
  }

  msg(apdu: Uint8Array) {
    return this.fido.msg(apdu);
  }

  async waitingForUser() {
    return (await this.ui.status()).state === UpState.UpNeeded;
  }

  async cancel() {
    await this.ui.cancel();
  }
}
