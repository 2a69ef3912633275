// The demo RP's page. The ceremony: options from the RP, an authenticator answers, the RP verifies. Who answers:
// by default the device through the server's in-process WebAuthn client (a browser cannot reach the emulated
// device by itself); with the box ticked, the browser's own WebAuthn through @simplewebauthn/browser, which
// reaches the device when the page runs under the browser bridge (transports/browser), or a real security key.
import { api } from '../api.js';

const $ = (id) => document.getElementById(id);
const log = (s) =>
  ($('log').textContent = `${new Date().toISOString().slice(11, 19)} ${s}\n${$('log').textContent}`.slice(0, 8000));
const result = (s, ok) => {
  $('result').textContent = s;
  $('result').dataset.ok = String(ok);
};

async function ceremony(kind) {
  const user = $('user').value;
  const browser = $('browser').checked;
  result(`${kind}: touch the device (approve on the device page)...`, '');
  try {
    const options = await api(`/rp/api/${kind === 'register' ? 'register' : 'login'}/options`, { user });
    log(`${kind} options: challenge ${options.challenge.slice(0, 12)}...`);
    let response;
    if (browser) {
      const { startRegistration, startAuthentication } = window.SimpleWebAuthnBrowser;
      response =
        kind === 'register'
          ? await startRegistration({ optionsJSON: options })
          : await startAuthentication({ optionsJSON: options });
    } else {
      response = await api(`/rp/api/device/${kind === 'register' ? 'create' : 'get'}`, { options });
    }
    log(`credential ${response.id.slice(0, 16)}...`);
    const v = await api(`/rp/api/${kind === 'register' ? 'register' : 'login'}/verify`, { user, response });
    result(
      kind === 'register' ? `registered ${user} (${v.fmt} attestation)` : `signed in as ${user} (counter ${v.counter})`,
      true,
    );
  } catch (e) {
    result(`${kind} failed: ${e.code ?? e.name}: ${e.message}`, false);
  }
}

$('register').addEventListener('click', () => void ceremony('register'));
$('login').addEventListener('click', () => void ceremony('login'));
if (!window.SimpleWebAuthnBrowser) $('browser').disabled = true;
