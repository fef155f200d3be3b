import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { desiredStateSigningInput } from '@liveprobe/protocol';
import { ControlPlaneError } from '../errors.js';

export class SigningKeyError extends ControlPlaneError {
  constructor(path: string, reason: string) {
    super(
      'signing_key_unusable',
      `cannot use the desired-state signing key ${path} (${reason}); it must be an Ed25519 private key in PKCS#8 PEM, e.g. from \`openssl genpkey -algorithm ed25519\``,
    );
  }
}

/**
 * Signs every desired-state message with the control plane's Ed25519 key, so agents given the
 * public key (LIVEPROBE_PUBLIC_KEY) can refuse anything a broker or a stranger made up.
 * Replicas must share one key file.
 */
export class DesiredStateSigner {
  /** The public key to give agents: base64 of its DER SubjectPublicKeyInfo (44 characters). */
  readonly publicKey: string;

  private constructor(
    private readonly key: KeyObject,
    readonly path: string,
    readonly created: boolean,
  ) {
    this.publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
  }

  /** Reads the key at `path`, or creates one there (readable by this user only) on the first start. */
  static async load(path: string): Promise<DesiredStateSigner> {
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SigningKeyError(path, (err as Error).message);
      const { privateKey } = generateKeyPairSync('ed25519');
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' }).catch(
        async (error: NodeJS.ErrnoException) => {
          // Another replica sharing the directory wrote it first: use theirs.
          if (error.code !== 'EEXIST') throw new SigningKeyError(path, error.message);
        },
      );
      return new DesiredStateSigner(createPrivateKey(await readFile(path, 'utf8')), path, true);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (err) {
      throw new SigningKeyError(path, (err as Error).message);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(path, `it is a ${key.asymmetricKeyType ?? 'symmetric'} key`);
    return new DesiredStateSigner(key, path, false);
  }

  /** `payload` (`{rev, actions}` as JSON) with its signature added. */
  signed(topic: string, payload: string): string {
    const state = JSON.parse(payload) as { rev: unknown; actions: unknown };
    const sig = sign(null, desiredStateSigningInput(topic, state.rev, state.actions), this.key).toString('base64');
    return JSON.stringify({ ...state, sig });
  }
}
