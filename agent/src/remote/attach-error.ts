/** Why `liveprobe attach` could not attach, or stopped: the message says what to do. */
export class AttachError extends Error {
  override name = 'AttachError';
  constructor(
    readonly code:
      | 'not_found'
      | 'not_node'
      | 'not_permitted'
      | 'inspector_in_use'
      | 'inspector_timeout'
      | 'not_inspector'
      | 'no_target'
      | 'unreachable'
      | 'already_attached'
      | 'inject_failed',
    message: string,
  ) {
    super(message);
  }
}
