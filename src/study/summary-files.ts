// summary.json and summary.md on disk: the one writer of both (summary.ts computes, summary-md.ts renders).
import { join } from 'node:path';
import { writeFileAtomicAsync } from '../fs/atomic.ts';
import { renderSummaryMarkdown } from './summary-md.ts';
import type { Summary } from './summary.ts';

/** Writes summary.json and summary.md into the runs/<dataset>/ folder; returns their paths. */
export async function writeSummary(summary: Summary): Promise<{ json: string; md: string }> {
  const json = join(summary.runsDir, 'summary.json');
  const md = join(summary.runsDir, 'summary.md');
  await writeFileAtomicAsync(json, `${JSON.stringify(summary, null, 2)}\n`);
  await writeFileAtomicAsync(md, renderSummaryMarkdown(summary));
  return { json, md };
}
