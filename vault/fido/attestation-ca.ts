// The per-device emulated attestation CA: a root made when the device first needs batch attestation, which signs
// one batch certificate and is then forgotten (its key never stored: nothing can mint more certificates in its
// name). The batch certificate follows WebAuthn's packed attestation certificate rules (section 8.2.1): v3,
// subject C / O / OU "Authenticator Attestation" / CN, basic constraints CA false, and the FIDO AAGUID extension
// (1.3.6.1.4.1.45724.1.1.4) holding the authenticator's AAGUID. U2F uses the same certificate.
import { webcrypto } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { randomBytes, type Random } from '../../lib/random.ts';

/**
 * @peculiar/x509 needs a Reflect metadata polyfill (tsyringe). It is loaded on first use only: most devices never
 * make a batch certificate, and the polyfill patches a global.
 */
async function loadX509() {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  return x509;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
export const AAGUID_EXTENSION_OID = '1.3.6.1.4.1.45724.1.1.4';
const ORG = 'O=Precursor Vault Emulator, C=US';

export interface BatchMaterial {
  /** PKCS#8 of the batch attestation key (ES256). */
  privateKey: Uint8Array;
  certificate: Uint8Array;
  caCertificate: Uint8Array;
}

export async function createBatchAttestation(aaguid: Uint8Array, random: Random): Promise<BatchMaterial> {
  const x509 = await loadX509();
  const subtle = webcrypto.subtle;
  const ca = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const batch = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const notBefore = new Date(now - 24 * 3600 * 1000);
  const notAfter = new Date(now + 20 * 365 * 24 * 3600 * 1000);
  const caName = `CN=Precursor Vault Emulated Attestation CA ${bytesToHex(randomBytes(random, 4))}, ${ORG}`;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(random),
    name: caName,
    notBefore,
    notAfter,
    keys: ca,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const aaguidDer = new Uint8Array([0x04, 0x10, ...aaguid]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(random),
    subject: `CN=Precursor Vault Batch Attestation, OU=Authenticator Attestation, ${ORG}`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    publicKey: batch.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.Extension(AAGUID_EXTENSION_OID, false, aaguidDer),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return {
    privateKey: new Uint8Array(await subtle.exportKey('pkcs8', batch.privateKey)),
    certificate: new Uint8Array(cert.rawData),
    caCertificate: new Uint8Array(caCert.rawData),
  };
}

/** A positive serial number of 16 random bytes. */
function serial(random: Random): string {
  const b = randomBytes(random, 16);
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return bytesToHex(b);
}
