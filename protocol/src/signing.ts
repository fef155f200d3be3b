import canonicalize from 'canonicalize';

/**
 * What a desired-state signature covers: the RFC 8785 canonical JSON of the topic, the revision
 * and the actions, exactly as they travel (signer and verifier both start from the parsed
 * payload, so key order and number formatting cannot differ). The topic is included so a set
 * signed for one tag cannot be replayed on another tag's or agent's topic.
 *
 * The signature itself rides beside them, `{rev, actions, sig}`: Ed25519, base64.
 */
export function desiredStateSigningInput(topic: string, rev: unknown, actions: unknown): Buffer {
  const text = canonicalize({ topic, rev, actions });
  if (text === undefined) throw new Error('a desired state must be JSON');
  return Buffer.from(text, 'utf8');
}
