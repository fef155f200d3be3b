let origin = performance.timeOrigin;

/**
 * Wall-clock milliseconds with the monotonic clock's sub-millisecond precision, comparable across
 * the processes of one machine. A process's `timeOrigin` is the wall clock at its start: when the
 * system clock is stepped later (a virtual machine resumed, NTP), two processes started on either
 * side of the step disagree by the step (33 s in one bench run, where every delivery read 33 s
 * late). So the origin follows the wall clock whenever the two part by more than a millisecond.
 */
export const preciseNow = (): number => {
  const monotonic = performance.now();
  const wall = Date.now();
  if (Math.abs(origin + monotonic - wall) > 1) origin = wall - monotonic;
  return origin + monotonic;
};
