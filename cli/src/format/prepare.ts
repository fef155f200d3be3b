import type { PrepareSummary } from '@liveprobe/protocol';

/** The PREPARED column of `liveprobe agents`: files prepared, and how many were left untouched. */
export function preparedCell(summary: PrepareSummary | undefined): string {
  if (summary === undefined) return '-';
  const prepared = String(summary.transformed + summary.cached + (summary.prebuilt ?? 0));
  return summary.failed === 0 ? prepared : `${prepared}, ${summary.failed} untouched`;
}

/** Which files an agent left untouched and why, and what is wrong with its patterns; nothing when all is well. */
export function untouchedLines(agentId: string, summary: PrepareSummary | undefined): string[] {
  if (summary === undefined) return [];
  const warnings = (summary.warnings ?? []).map((w) => `${agentId}: warning: ${w}`);
  if (summary.failed === 0) return warnings;
  const more = summary.failed - summary.failures.length;
  return [
    ...warnings,
    `${agentId}: ${summary.failed} ${summary.failed === 1 ? 'file' : 'files'} left untouched (their lines take actions as breakpoints):`,
    ...summary.failures.map((f) => `  ${f.path}: ${f.reason}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
  ];
}
