// The device page: the screen, its keys, the live event stream and the trace panel, wired together.
import { api, events, hasToken, tokenFragment } from './api.js';
import { OneBitScreen } from './screen.js';
import { VaultApp } from './vault-view.js';
import { TraceView } from './trace-view.js';

const canvas = document.getElementById('screen');
const screen = new OneBitScreen(canvas, document.getElementById('screen-text'));
const status = document.getElementById('status');
let pending = false;
const app = new VaultApp(() => {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    app.draw(screen);
  });
});
const trace = new TraceView(document.getElementById('trace'));

/** Keys the device keyboard has; anything else (Shift, Alt...) is not a key press. */
function deviceKey(e) {
  if (
    [
      'F1',
      'F2',
      'F3',
      'F4',
      'Enter',
      'Escape',
      'Backspace',
      'Tab',
      'ArrowUp',
      'ArrowDown',
      'ArrowLeft',
      'ArrowRight',
    ].includes(e.key)
  )
    return e.key;
  return e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey ? e.key : undefined;
}

async function press(key) {
  // The presence modal belongs to the device: the key goes to its ui server, which decides (F1 denies).
  if (app.presence.modal) {
    try {
      // Not handled: the modal was gone already (answered elsewhere, timed out); the key is the app's then.
      if ((await api('/api/key', { key })).handled) return;
      app.setPresence({ modal: false });
    } catch (err) {
      return app.say(err);
    }
  }
  await app.key(key);
}

document.addEventListener('keydown', (e) => {
  const key = deviceKey(e);
  if (!key) return;
  e.preventDefault();
  void press(key);
});
for (const b of document.querySelectorAll('.keys button')) b.addEventListener('click', () => void press(b.dataset.key));

if (!hasToken()) {
  status.textContent = 'No device token: open the address `pvault serve` printed (it ends in #token=...).';
} else {
  events({
    screen: (s) => app.setPresence(s),
    trace: (entries) => trace.add(entries),
    bases: (bases) => app.setBases(bases),
  }).onerror = () => (status.textContent = 'event stream interrupted; reconnecting...');
  void app.refresh();
}
// The TOTP countdown moves every second; codes are fetched again when their period ends.
setInterval(() => {
  app.onChange();
  void app.refreshCodes();
}, 1000);
document.getElementById('rp-link').href = `/rp/${tokenFragment()}`;
canvas.focus();
app.draw(screen);
