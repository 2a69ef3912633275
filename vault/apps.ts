// The vault app servers a device runs beside the PDDB (vault.totp, vault.passwords), and their clients. The
// device spawns them at boot; `vaultApps` also spawns them on a kernel that lacks them (tools, older boots).
import type { ClientProcess, Kernel } from '../transports/ipc/index.ts';
import { TOTP_SERVER_NAME } from './totp/api.ts';
import { PASSWORDS_SERVER_NAME } from './passwords/api.ts';
import { TotpClient } from './totp/client.ts';
import { PasswordsClient } from './passwords/client.ts';
import type { VaultServerInit } from './totp/server.ts';

export const VAULT_APP_MODULES = [
  { name: 'vault-totp', server: TOTP_SERVER_NAME, module: new URL('./totp/server.ts', import.meta.url) },
  { name: 'vault-passwords', server: PASSWORDS_SERVER_NAME, module: new URL('./passwords/server.ts', import.meta.url) },
] as const;

/** Spawn the vault servers that `kernel` does not run yet. `dir` is the device folder (the clock offset). */
export async function spawnVaultApps(kernel: Kernel, dir: string | undefined): Promise<void> {
  const running = new Set(kernel.listServers().map((s) => s.name));
  const init: VaultServerInit = { dir };
  await Promise.all(
    VAULT_APP_MODULES.filter((m) => !running.has(m.server)).map((m) =>
      kernel.spawn({ name: m.name, module: m.module, init }),
    ),
  );
}

export interface VaultApps {
  totp: TotpClient;
  passwords: PasswordsClient;
}

export async function vaultApps(kernel: Kernel, proc: ClientProcess, dir: string | undefined): Promise<VaultApps> {
  await spawnVaultApps(kernel, dir);
  const [totp, passwords] = await Promise.all([TotpClient.connect(proc), PasswordsClient.connect(proc)]);
  return { totp, passwords };
}
