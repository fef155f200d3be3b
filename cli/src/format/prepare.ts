import type { PrepareSummary } from '@liveprobe/protocol';

/** The PREPARED column of `liveprobe agents`: files prepared, and how many were left untouched. */
export function preparedCell(summary: PrepareSummary | undefined): string {
  if (summary === undefined) return '-';
  const prepared = String(summary.transformed + summary.cached + (summary.prebuilt ?? 0));
  return summary.failed === 0 ? prepared : `${prepared}, ${summary.failed} untouched`;
}

/** Which files an agent left untouched and why; nothing when it left none. */
export function untouchedLines(agentId: string, summary: PrepareSummary | undefined): string[] {
  if (summary === undefined || summary.failed === 0) return [];
  const more = summary.failed - summary.failures.length;
  return [
    `${agentId}: ${summary.failed} ${summary.failed === 1 ? 'file' : 'files'} left untouched (their lines take actions as breakpoints):`,
    ...summary.failures.map((f) => `  ${f.path}: ${f.reason}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
  ];
}
