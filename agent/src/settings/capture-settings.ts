/** How much of the app's values one capture may show (`capture` in the agent's config), and the defaults. */
export interface CaptureLimits {
  /** Nesting levels of objects shown; deeper ones become `{ t: 'depth' }`. */
  depth: number;
  /** Properties shown per object. */
  properties: number;
  /** Items shown per array, Map, Set or typed array. */
  items: number;
  /** Characters shown per string (error stacks get eight times this). */
  stringLength: number;
  /** JSON bytes of all values of one capture together. */
  totalBytes: number;
}

export const DEFAULT_CAPTURE_LIMITS: Readonly<CaptureLimits> = Object.freeze({
  depth: 3,
  properties: 20,
  items: 20,
  stringLength: 256,
  totalBytes: 16384,
});
