// Failures named as a browser names them: DOMException (NotAllowedError, InvalidStateError, SecurityError,
// NotSupportedError, EncodingError, ...) or TypeError for options that do not have the shape WebIDL requires.
// Messages name the member at fault, never its value.
import { type CtapError, CtapStatus } from '../../vault/fido/status.ts';

export type WebAuthnErrorName =
  | 'NotAllowedError'
  | 'InvalidStateError'
  | 'SecurityError'
  | 'NotSupportedError'
  | 'EncodingError'
  | 'ConstraintError'
  | 'AbortError'
  | 'UnknownError';

export function domError(name: WebAuthnErrorName, message: string): DOMException {
  return new DOMException(message, name);
}

/** What a browser reports for an authenticator's CTAP status (it hides the detail from the page, as Chrome does). */
export function fromCtap(e: CtapError): DOMException {
  switch (e.status) {
    case CtapStatus.CredentialExcluded:
      return domError('InvalidStateError', 'the authenticator already holds a credential from excludeCredentials');
    case CtapStatus.UnsupportedAlgorithm:
      return domError('NotSupportedError', 'the authenticator supports none of pubKeyCredParams');
    case CtapStatus.KeyStoreFull:
      return domError('ConstraintError', 'the authenticator has no room for a discoverable credential');
    default:
      return domError(
        'NotAllowedError',
        `the authenticator refused: ${CtapStatus[e.status] ?? `status 0x${e.status.toString(16)}`}`,
      );
  }
}
