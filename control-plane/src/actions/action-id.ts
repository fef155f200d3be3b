import { randomBytes } from 'node:crypto';

// Crockford's base32 alphabet: no i, l, o or u, so ids survive being read aloud or retyped.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `act_` and 10 random base32 characters (50 bits): short enough to type, unlikely to collide. */
export function newActionId(): string {
  let id = 'act_';
  for (const byte of randomBytes(10)) id += ALPHABET[byte & 31];
  return id;
}
