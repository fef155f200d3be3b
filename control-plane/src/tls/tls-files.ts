import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { ControlPlaneError } from '../errors.js';

/** A certificate and its key, for HTTPS and for the embedded broker's MQTT over TLS. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** What the control plane's own MQTT client trusts when it connects to its embedded broker. */
  trusted: string[];
}

export class TlsFileError extends ControlPlaneError {
  constructor(path: string, reason: string) {
    super('tls_unusable', `cannot read the TLS file ${path} (${reason}); give a PEM certificate (chain) and its PEM private key`);
  }
}

export async function readTlsFiles(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const read = (path: string) =>
    readFile(path).catch((err: Error) => {
      throw new TlsFileError(path, err.message);
    });
  const [cert, key] = await Promise.all([read(certFile), read(keyFile)]);
  // The system's roots plus the certificate itself: enough for a CA-issued one and a self-signed one alike.
  return { cert, key, trusted: [...rootCertificates, cert.toString('utf8')] };
}
