// Where a CTAPHID socket listens or connects: `tcp:HOST:PORT` or `unix:PATH` (the `pvault serve --ctaphid` syntax).
export type SocketAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export const DEFAULT_CTAPHID_ADDRESS = 'tcp:127.0.0.1:8111';

export class AddressError extends Error {
  override name = 'AddressError';
}

export function parseAddress(spec: string): SocketAddress {
  if (spec.startsWith('unix:')) {
    const path = spec.slice(5);
    if (path === '') throw new AddressError('unix: needs a socket path (unix:/tmp/pvault.sock)');
    return { kind: 'unix', path };
  }
  const m = /^tcp:(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(spec);
  if (!m || Number(m[2]) > 65535)
    throw new AddressError(`a CTAPHID address is tcp:HOST:PORT or unix:PATH (got '${spec.slice(0, 80)}')`);
  return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function formatAddress(a: SocketAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
