/**
 * Which desired state the agent believes. Given the control plane's Ed25519 public key
 * (LIVEPROBE_PUBLIC_KEY), it accepts only messages signed for the very topic they arrive on,
 * and no revision older than one it already applied: a broker, or anyone who can publish to
 * it, cannot make the agent read variables it was not asked to by the control plane.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { desiredStateSigningInput } from '@liveprobe/protocol';

export class DesiredStateTrust {
  private constructor(
    private readonly key: KeyObject | undefined,
    /** Why the configured key is unusable; then every message is refused (fail closed). */
    readonly keyProblem: string | undefined,
  ) {}

  /** Undefined when no key is configured: desired state is then taken as it comes, as before. */
  static fromEnv(env: NodeJS.ProcessEnv): DesiredStateTrust | undefined {
    const text = env.LIVEPROBE_PUBLIC_KEY?.trim();
    if (text === undefined || text === '') return undefined;
    try {
      const key = text.includes('-----BEGIN')
        ? createPublicKey(text)
        : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
      if (key.asymmetricKeyType !== 'ed25519')
        return new DesiredStateTrust(undefined, `LIVEPROBE_PUBLIC_KEY is a ${key.asymmetricKeyType ?? 'non-Ed25519'} key, not Ed25519`);
      return new DesiredStateTrust(key, undefined);
    } catch (err) {
      return new DesiredStateTrust(
        undefined,
        `LIVEPROBE_PUBLIC_KEY is not a public key (${errorMessage(err)}); use the value \`liveprobe up\` prints`,
      );
    }
  }

  /** Why `message` (parsed JSON, as received on `topic`) must be refused; undefined when it is signed by the control plane. */
  refusal(topic: string, message: unknown): string | undefined {
    if (this.key === undefined) return this.keyProblem;
    if (message === null || typeof message !== 'object') return 'not an object';
    const { rev, actions, sig } = message as { rev?: unknown; actions?: unknown; sig?: unknown };
    if (sig === undefined) return 'it is unsigned';
    if (typeof sig !== 'string') return 'its signature is not a string';
    let input: Buffer;
    try {
      input = desiredStateSigningInput(topic, rev, actions);
    } catch (err) {
      return `it cannot be checked (${errorMessage(err)})`;
    }
    const valid = verify(null, input, this.key, Buffer.from(sig, 'base64'));
    return valid
      ? undefined
      : 'its signature does not match the control plane key for this topic (forged, altered, or replayed from another topic)';
  }
}
