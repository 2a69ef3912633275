// The ui server's IPC contract: presence requests (the FIDO modal), its status for KEEPALIVE, cancel, the screen
// model and key presses, and the automation policy used by tests and unattended relying-party runs.
// RP and user names are not marked public: a trace would otherwise list the sites a user signs in to.
import { codec, MessageKind, t, type OpcodeSpec } from '../../transports/ipc/index.ts';

export const UI_SERVER_NAME = '_Vault UI_';

export enum UiOp {
  /** Ask for user presence: answered when the user (or the policy) decides, the request times out, or is cancelled. */
  RequestPresence = 1,
  /** Cancel the presence request being shown (CTAPHID CANCEL). */
  Cancel = 2,
  /** [state (UpState), seconds left]: what a transport turns into KEEPALIVE. */
  Status = 3,
  /** The screen model: what the device shows now. */
  Screen = 4,
  /** A key press on the device (F1 denies the modal, any other key approves it). */
  Key = 5,
  /** Replace the automation policy. */
  SetPolicy = 6,
}

export enum Presence {
  Approved = 1,
  Denied = 2,
  Timeout = 3,
  Cancelled = 4,
}

export enum UpState {
  Idle = 0,
  UpNeeded = 2,
}

export enum PolicyMode {
  /** Wait for key presses (the device as it ships). */
  Manual = 0,
  Approve = 1,
  Deny = 2,
  /** Answer from `script` in order (Presence values; Timeout lets the request time out), then act as Manual. */
  Script = 3,
}

export const TEXT_MAX = 256;

export const PresenceRequest = codec(
  t.record({ reason: t.string(64, { public: true }), rp: t.string(TEXT_MAX), user: t.string(TEXT_MAX) }),
);
export const PresenceAnswer = codec(t.record({ outcome: t.u8({ public: true }) }));

export const ScreenView = codec(
  t.record({
    /** 0 idle, 1 the presence modal. */
    modal: t.bool({ public: true }),
    reason: t.string(64, { public: true }),
    rp: t.string(TEXT_MAX),
    user: t.string(TEXT_MAX),
    secondsLeft: t.u32({ public: true }),
    /** Requests waiting behind the one shown. */
    queued: t.u32({ public: true }),
  }),
);
export const EmptyRequest = codec(t.record({}));

export const KeyPress = codec(t.record({ key: t.string(16, { public: true }) }));
export const KeyResult = codec(t.record({ handled: t.bool({ public: true }) }));

export const PolicySpec = codec(
  t.record({
    mode: t.u8({ public: true }),
    script: t.list(t.u8({ public: true }), 256, { public: true }),
    delayMs: t.u32({ public: true }),
  }),
);
export type Policy = { mode: PolicyMode; script: Presence[]; delayMs: number };

const mb = [MessageKind.MutableBorrow];

export const uiOps = {
  [UiOp.RequestPresence]: { name: 'RequestPresence', kinds: mb, request: PresenceRequest, response: PresenceAnswer },
  [UiOp.Cancel]: { name: 'Cancel', kinds: [MessageKind.Scalar, MessageKind.BlockingScalar], publicArgs: true },
  [UiOp.Status]: { name: 'Status', kinds: [MessageKind.BlockingScalar], publicArgs: true },
  [UiOp.Screen]: { name: 'Screen', kinds: mb, request: EmptyRequest, response: ScreenView },
  [UiOp.Key]: { name: 'Key', kinds: mb, request: KeyPress, response: KeyResult },
  [UiOp.SetPolicy]: { name: 'SetPolicy', kinds: mb, request: PolicySpec, response: PolicySpec },
} satisfies Record<number, OpcodeSpec>;

export type UiOps = typeof uiOps;
