// CTAPHID's public entry point: the device side (channel machine, socket listeners, attach to a running kernel),
// the host side (a report-level socket and a message-level client) and the fuzzer.
export { CtaphidDevice, type CtaphidDeviceOptions, type AttachedHost } from './channels.ts';
export { FidoBackend, type CtaphidBackend } from './backend.ts';
export { CtaphidSocketServer } from './socket-server.ts';
export { attachCtaphid, type AttachedCtaphid } from './attach.ts';
export { CtaphidHostClient, type TransactOptions, type InitInfo } from './host-client.ts';
export { HidSocket, HidSocketClosed, HidTimeout } from './hid-socket.ts';
export {
  parseAddress,
  formatAddress,
  DEFAULT_CTAPHID_ADDRESS,
  AddressError,
  type SocketAddress,
} from './listen-address.ts';
export { framePackets, parsePacket, type Packet } from './packet.ts';
export { fuzzCtaphid, type FuzzOptions, type FuzzStats } from './fuzzer.ts';
export * from './protocol.ts';
