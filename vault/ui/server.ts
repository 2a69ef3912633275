// The ui server: the device's screen for presence. Each RequestPresence is deferred (the server keeps serving key
// presses, status polls and cancels meanwhile) and answered by a key, the automation policy, the 30 s timeout, or
// a cancel. Nothing here sees a secret: only RP and user names, which stay out of traces.
import type { ProcessContext } from '../../transports/ipc/index.ts';
import { PolicyMode, Presence, UI_SERVER_NAME, UiOp, uiOps, type Policy } from './api.ts';
import { Screen, type PresencePrompt } from './screen.ts';

export interface UiInit {
  /** How long a presence request waits for the user (the device: 30 s). */
  timeoutMs?: number;
  policy?: Policy;
}

export const PRESENCE_TIMEOUT_MS = 30_000;

export default async function uiProcess(ctx: ProcessContext, init: UiInit = {}): Promise<void> {
  const timeoutMs = init.timeoutMs ?? PRESENCE_TIMEOUT_MS;
  const screen = new Screen();
  let policy: Policy = init.policy ?? { mode: PolicyMode.Manual, script: [], delayMs: 0 };

  /** What the policy says for the next request: an outcome now (after its delay), or wait for keys. */
  const automatic = (): Presence | undefined => {
    switch (policy.mode) {
      case PolicyMode.Approve:
        return Presence.Approved;
      case PolicyMode.Deny:
        return Presence.Denied;
      case PolicyMode.Script:
        return policy.script.length > 0 ? policy.script.shift() : undefined;
      default:
        return undefined;
    }
  };

  await ctx.registerServer({
    name: UI_SERVER_NAME,
    opcodes: uiOps,
    handle(msg) {
      switch (msg.opcode) {
        case UiOp.RequestPresence: {
          const responder = msg.defer();
          const timers: NodeJS.Timeout[] = [];
          const prompt: PresencePrompt = {
            ...msg.value,
            deadline: Date.now() + timeoutMs,
            settle(outcome) {
              timers.forEach(clearTimeout);
              msg.respond({ outcome });
              responder.reply();
            },
          };
          screen.show(prompt);
          timers.push(setTimeout(() => screen.answer(Presence.Timeout, prompt), timeoutMs));
          const auto = automatic();
          // A scripted Timeout leaves the prompt to its timer.
          if (auto !== undefined && auto !== Presence.Timeout) {
            // No delay: answer now rather than after a timer tick (~1 ms here), which would dominate a benchmark.
            if (policy.delayMs === 0) screen.answer(auto, prompt);
            else timers.push(setTimeout(() => screen.answer(auto, prompt), policy.delayMs));
          }
          return;
        }
        case UiOp.Cancel:
          return [screen.cancelAll()];
        case UiOp.Status:
          return screen.status();
        case UiOp.Screen:
          return msg.respond(screen.view());
        case UiOp.Key:
          return msg.respond({ handled: screen.press(msg.value.key) });
        case UiOp.SetPolicy:
          policy = {
            mode: msg.value.mode as PolicyMode,
            script: msg.value.script as Presence[],
            delayMs: msg.value.delayMs,
          };
          return msg.respond({ ...policy });
      }
    },
  });
}
