/**
 * A time as `Date#toISOString` writes it (UTC, milliseconds), computed with integer arithmetic.
 * V8 formats a Date's text (toISOString, toUTCString, toString, JSON.stringify of a Date) through
 * its date cache, whose first use loads ICU's time-zone data: ~0.6 MiB of the node binary's pages
 * that an app which never formats a date does not have resident (docs/BENCHMARKS.md, agent
 * memory). The agent stamps its events, heartbeats and log lines with this instead. It looks
 * nothing up on a prototype the app could have replaced, so the app thread can call it too.
 */

/** Dates outside 1970–9999 (never the agent's own clock) go to Date, as it was when the agent loaded. */
const NativeDate = Date;
const toISOString = Date.prototype.toISOString;
const apply = Reflect.apply;

const DAY_MS = 86_400_000;
/** The first millisecond of the year 10000: past it, ISO needs a six-digit year. */
const YEAR_10000_MS = 253_402_300_800_000;
/** Days from 0000-03-01 to 1970-01-01, in the proleptic Gregorian calendar. */
const DAYS_BEFORE_EPOCH = 719_468;
const DAYS_PER_ERA = 146_097;

/** `a / b` rounded down, for a ≥ 0. */
const div = (a: number, b: number) => (a - (a % b)) / b;
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000_MS)) return apply(toISOString, new NativeDate(ms), []) as string;
  const t = ms - (ms % 1);
  const days = div(t, DAY_MS);
  const inDay = t - days * DAY_MS;
  // The year counted from March, so that the leap day ends it: eras of 400 years repeat exactly.
  const fromMarch0 = days + DAYS_BEFORE_EPOCH;
  const era = div(fromMarch0, DAYS_PER_ERA);
  const dayOfEra = fromMarch0 - era * DAYS_PER_ERA;
  const yearOfEra = div(dayOfEra - div(dayOfEra, 1460) + div(dayOfEra, 36_524) - div(dayOfEra, DAYS_PER_ERA - 1), 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + div(yearOfEra, 4) - div(yearOfEra, 100));
  // Months from March have 31, 30, 31, 30, 31 days in a repeating five-month pattern of 153 days.
  const monthFromMarch = div(5 * dayOfYear + 2, 153);
  const day = dayOfYear - div(153 * monthFromMarch + 2, 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);
  const hours = div(inDay, 3_600_000);
  const minutes = div(inDay % 3_600_000, 60_000);
  const seconds = div(inDay % 60_000, 1000);
  const yearText = year < 1000 ? `0${three(year)}` : `${year}`;
  return `${yearText}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${three(inDay % 1000)}Z`;
}
