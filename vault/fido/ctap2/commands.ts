// CTAP2 command bytes (CTAP 2.1 section 6) to the file that runs each.
import type { Authenticator } from '../authenticator.ts';
import type { Params } from '../cbor.ts';
import { makeCredential } from './make-credential.ts';
import { getAssertion } from './get-assertion.ts';
import { getInfo } from './get-info.ts';
import { clientPin } from './client-pin.ts';
import { reset } from './reset.ts';
import { getNextAssertion } from './get-next-assertion.ts';
import { credentialManagement } from './credential-management.ts';
import { selection } from './selection.ts';
import { largeBlobs } from './large-blobs.ts';
import { config } from './config.ts';
import { negativeTesting } from './negative-testing.ts';

export enum CtapCommand {
  MakeCredential = 0x01,
  GetAssertion = 0x02,
  GetInfo = 0x04,
  ClientPin = 0x06,
  Reset = 0x07,
  GetNextAssertion = 0x08,
  CredentialManagement = 0x0a,
  Selection = 0x0b,
  LargeBlobs = 0x0c,
  Config = 0x0d,
  CredentialManagementPre = 0x41,
  /** Ours (vendor range): the counter override for relying-party negative testing. */
  NegativeTesting = 0x60,
}

export interface Command {
  name: string;
  needsParams: boolean;
  run(auth: Authenticator, params: Params): Promise<Map<number, unknown> | undefined>;
}

const withParams = (name: string, run: Command['run']): Command => ({ name, needsParams: true, run });
const bare = (name: string, run: (auth: Authenticator) => Promise<Map<number, unknown> | undefined>): Command => ({
  name,
  needsParams: false,
  run: (auth) => run(auth),
});

export const commands: Partial<Record<number, Command>> = {
  [CtapCommand.MakeCredential]: withParams('makeCredential', makeCredential),
  [CtapCommand.GetAssertion]: withParams('getAssertion', getAssertion),
  [CtapCommand.GetInfo]: bare('getInfo', getInfo),
  [CtapCommand.ClientPin]: withParams('clientPIN', clientPin),
  [CtapCommand.Reset]: bare('reset', reset),
  [CtapCommand.GetNextAssertion]: bare('getNextAssertion', getNextAssertion),
  [CtapCommand.CredentialManagement]: withParams('credentialManagement', credentialManagement),
  [CtapCommand.CredentialManagementPre]: withParams('credentialManagement', credentialManagement),
  [CtapCommand.Selection]: bare('selection', selection),
  [CtapCommand.LargeBlobs]: withParams('largeBlobs', largeBlobs),
  [CtapCommand.Config]: withParams('config', config),
  [CtapCommand.NegativeTesting]: withParams('negativeTesting', negativeTesting),
};
