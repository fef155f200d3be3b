/** Wall-clock milliseconds with the monotonic clock's sub-millisecond precision, comparable across the processes of one machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();
