/** Parses `90s`, `15m`, `1h`, `2d` (and combinations such as `1h30m`) into milliseconds. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+)(ms|s|m|h|d)/gy;

export function parseDuration(text: string): number | undefined {
  const source = text.trim();
  if (source === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(source); m !== null; m = PART.exec(source)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    consumed = PART.lastIndex;
  }
  return consumed === source.length && total > 0 ? total : undefined;
}
