// Credential lists longer than the authenticator takes in one request (getInfo's maxCredentialCountInList), or with
// IDs longer than it accepts, are handled as Chromium does: silent probes (getAssertion with up=false, no touch)
// batch by batch find the one credential it holds, and the real request names only that one. A hostile page's
// huge list thus never becomes an oversized CTAP message.
import { CtapCommand } from '../../vault/fido/ctap2/commands.ts';
import { CtapError, CtapStatus } from '../../vault/fido/status.ts';
import type { CtapPlatform } from './ctap-platform.ts';
import type { CredentialDescriptor } from './options-json.ts';

export function descriptorList(ids: Uint8Array[]): Map<string, unknown>[] {
  return ids.map(
    (id) =>
      new Map<string, unknown>([
        ['id', id],
        ['type', 'public-key'],
      ]),
  );
}

/**
 * The IDs to send: the list itself when it fits in one request; otherwise the one credential of it the
 * authenticator holds for `rpId` ([] when it holds none).
 */
export async function fitList(
  platform: CtapPlatform,
  rpId: string,
  list: CredentialDescriptor[],
): Promise<Uint8Array[]> {
  const info = await platform.info();
  const ids = list.map((d) => d.id);
  const usable = ids.filter((id) => id.length <= info.maxCredentialIdLength);
  if (usable.length === ids.length && ids.length <= info.maxCredentialsInList) return ids;
  for (let i = 0; i < usable.length; i += info.maxCredentialsInList) {
    const batch = usable.slice(i, i + info.maxCredentialsInList);
    try {
      const r = await platform.call(
        CtapCommand.GetAssertion,
        new Map<number, unknown>([
          [1, rpId],
          [2, new Uint8Array(32)],
          [3, descriptorList(batch)],
          [5, new Map([['up', false]])],
        ]),
      );
      const held = (r.get(1) as Map<string, unknown> | undefined)?.get('id');
      return [held instanceof Uint8Array ? held : batch[0]];
    } catch (e) {
      if (e instanceof CtapError && e.status === CtapStatus.NoCredentials) continue;
      throw e;
    }
  }
  return [];
}
