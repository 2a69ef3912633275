// Relying-party negative testing, as Chrome's virtual authenticator offers it: responses an RP must reject.
export interface NegativeSwitches {
  /**
   * Answer without user presence. get: asks the authenticator with up=false (the assertion is validly signed with
   * UP clear). create: clears UP in authenticatorData, which only a "none" attestation does not sign.
   */
  clearUp?: boolean;
  /** Skip user verification even when the RP requires it (UV clear, validly signed). */
  clearUv?: boolean;
  /** Flip a bit of the assertion signature. */
  corruptSignature?: boolean;
  /**
   * get: the assertion repeats the last signature counter (a cloned authenticator). Needs an authenticator started
   * with `negativeTesting` (FidoInit); others refuse the request (NotSupportedError).
   */
  replayCounter?: boolean;
  /** get: the assertion carries a counter below the last one. Same requirement as replayCounter. */
  rollbackCounter?: boolean;
}
