// What runs inside the page: navigator.credentials.create/get replaced by calls to the binding the bridge exposes.
// Options go out as JSON (every buffer as base64url); the answer comes back as a PublicKeyCredential-shaped object
// with ArrayBuffers; failures become the DOMException (or TypeError) the emulator named. Plain JavaScript read as
// text by bridge.ts, so no compiler can add helpers that do not exist in the page.
(binding) => {
  const b64u = (v) => {
    const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const buf = (s) => {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  };
  const toJSON = (v) => {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return b64u(v);
    if (Array.isArray(v)) return v.map(toJSON);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJSON(x)]));
    return v;
  };
  const extensionResults = (x) => {
    const out = { ...x };
    const r = x.prf && x.prf.results;
    if (r) out.prf = { ...x.prf, results: { first: buf(r.first), ...(r.second ? { second: buf(r.second) } : {}) } };
    return out;
  };
  const credential = (j) => {
    const r = j.response;
    const response = { clientDataJSON: buf(r.clientDataJSON) };
    if (r.attestationObject !== undefined) {
      response.attestationObject = buf(r.attestationObject);
      response.getTransports = () => r.transports || [];
      response.getAuthenticatorData = () => buf(r.authenticatorData);
      response.getPublicKey = () => (r.publicKey ? buf(r.publicKey) : null);
      response.getPublicKeyAlgorithm = () => r.publicKeyAlgorithm;
    } else {
      response.authenticatorData = buf(r.authenticatorData);
      response.signature = buf(r.signature);
      response.userHandle = r.userHandle ? buf(r.userHandle) : null;
    }
    const cred = {
      id: j.id,
      rawId: buf(j.rawId),
      type: j.type,
      authenticatorAttachment: j.authenticatorAttachment || null,
      response,
      getClientExtensionResults: () => extensionResults(j.clientExtensionResults || {}),
      toJSON: () => j,
    };
    if (typeof PublicKeyCredential === 'function') Object.setPrototypeOf(cred, PublicKeyCredential.prototype);
    return cred;
  };
  const run = async (kind, options) => {
    if (!options || !options.publicKey)
      throw new DOMException('only publicKey credentials are emulated', 'NotSupportedError');
    if (options.signal && options.signal.aborted) throw new DOMException('the operation was aborted', 'AbortError');
    const r = await globalThis[binding](kind, toJSON(options.publicKey));
    if (!r.ok) throw r.name === 'TypeError' ? new TypeError(r.message) : new DOMException(r.message, r.name);
    return credential(r.value);
  };
  Object.defineProperty(navigator.credentials, 'create', { value: (o) => run('create', o), configurable: true });
  Object.defineProperty(navigator.credentials, 'get', { value: (o) => run('get', o), configurable: true });
  if (typeof PublicKeyCredential === 'function') {
    Object.defineProperty(PublicKeyCredential, 'isUserVerifyingPlatformAuthenticatorAvailable', {
      value: async () => false,
      configurable: true,
    });
    Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', {
      value: async () => false,
      configurable: true,
    });
  }
};
