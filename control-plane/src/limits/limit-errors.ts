import { ControlPlaneError } from '../errors.js';

export class PayloadTooLargeError extends ControlPlaneError {
  constructor(maxBytes: number) {
    super('payload_too_large', `the request body is larger than ${maxBytes} bytes; an action is a few hundred bytes, so this is not one`);
  }
}

export class RateLimitedError extends ControlPlaneError {
  constructor(
    readonly retryAfterSeconds: number,
    perSecond: number,
    burst: number,
  ) {
    super(
      'rate_limited',
      `too many requests: at most ${perSecond} per second (bursts of ${burst}) per token or address; retry in ${retryAfterSeconds}s`,
    );
  }
}

export class TooManyActionsError extends ControlPlaneError {
  constructor(target: string, max: number) {
    super(
      'too_many_actions',
      `${target} already has ${max} live actions, the most one target may have; remove some (liveprobe actions rm <id>) or let them expire`,
    );
  }
}
