/** How benchmark figures are written: units chosen per value, ratios with ×, three significant digits. */

export function sig(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/** Nanoseconds as ns, µs or ms. */
export function duration(ns: number): string {
  if (!Number.isFinite(ns)) return '—';
  if (ns < 1000) return `${sig(ns)} ns`;
  if (ns < 1e6) return `${sig(ns / 1000)} µs`;
  if (ns < 1e9) return `${sig(ns / 1e6)} ms`;
  return `${sig(ns / 1e9)} s`;
}

export const ms = (milliseconds: number): string => duration(milliseconds * 1e6);

export function ratio(value: number): string {
  return Number.isFinite(value) ? `×${sig(value)}` : '—';
}

export function mib(bytes: number): string {
  return `${sig(bytes / 1024 / 1024)} MiB`;
}

/** A difference in MiB with its sign: +1.2 MiB, −0.3 MiB. */
export function signedMib(bytes: number): string {
  return `${bytes < 0 ? '−' : '+'}${mib(Math.abs(bytes))}`;
}

export function range(low: string, high: string): string {
  return low === high ? low : `${low} – ${high}`;
}
