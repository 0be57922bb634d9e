// `kmnist-lab report`: reads runs/<dataset>/, writes report.md + images/ + tables/ and a self-contained report.html.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { initBackend } from '../engine/backend.ts';
import { lockFolder } from '../folder-lock.ts';
import { summarize, type Summary } from '../study/summary.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { Assets } from './assets.ts';
import { experimentColors, overlaySpec, type ExperimentHistories } from './charts.ts';
import { allPairsMatrix, allPairsTable } from './all-pairs-tables.ts';
import { ensemblesTable, experimentsTable, glanceTable, pairsTable, runsTable } from './comparison.ts';
import { DatasetCache, exampleGridPng, probeImage } from './dataset-images.ts';
import { documentText, renderHtml, renderMarkdown, type Block, type ReportDoc } from './document.ts';
import { experimentSection, type ExperimentContext } from './experiment-section.ts';
import { embeddedFontFaceCss } from '../graphics/fonts.ts';
import { datasetLabel, datasetUsed, findings, publishedTable } from './findings.ts';
import { svgToPng, vegaLiteToSvg } from './render.ts';
import { discoverRuns, resolveRunsDir, type RunRecord, type Warn } from '../run-folder/read.ts';
import { representativeNote } from './run-section.ts';

export interface ReportOptions {
  /** runs/<dataset> or the runs root (the most recent dataset is used). */
  runsDir: string;
  outDir: string;
  warn?: Warn;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Mistakes shown per run. */
  galleryLimit?: number;
  /** Also test every pair of experiments (McNemar, Holm-adjusted) and show the matrix. */
  allPairs?: boolean;
}

export interface ReportResult {
  datasetDir: string;
  markdownPath: string;
  htmlPath: string;
  runs: number;
  warnings: string[];
  files: string[];
}

function byExperiment(runs: RunRecord[], order: string[]): Map<string, RunRecord[]> {
  const map = new Map<string, RunRecord[]>();
  for (const name of order) map.set(name, []);
  for (const r of runs) {
    const list = map.get(r.experiment) ?? [];
    list.push(r);
    map.set(r.experiment, list);
  }
  for (const [k, v] of map) if (v.length === 0) map.delete(k);
  return map;
}

/** The summary's overlay chart: every experiment's validation curves, one colour each. */
async function overlayBlocks(groups: Map<string, RunRecord[]>, colors: Map<string, string>, assets: Assets): Promise<Block[]> {
  const all: ExperimentHistories[] = [];
  for (const [experiment, runs] of groups) {
    const histories = runs.filter((r) => r.history !== null && r.history.epoch.length > 0).map((r) => ({ seed: r.seed, history: r.history as NonNullable<RunRecord['history']> }));
    if (histories.length > 0) all.push({ experiment, histories });
  }
  if (all.length === 0) return [{ kind: 'paragraph', text: 'No run has a usable history.json or log.csv: no training curves.' }];
  const svg = await vegaLiteToSvg(overlaySpec(all, colors));
  return [{ kind: 'image', file: assets.image('curves-all-experiments', svgToPng(svg), svg), alt: 'validation curves of all experiments' }];
}

function testSizeOf(runs: RunRecord[]): number {
  const c = runs[0].metrics.confusion;
  return c.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
}

/**
 * Writes report.md, report.html and their images/tables into `opts.outDir`, holding the folder's lock
 * (lockFolder, "report folder") while it writes. --runs is validated first, so a bad one neither creates
 * nor locks the output folder. Errors: UserError for a missing/empty --runs or a report folder in use.
 */
export async function buildReport(opts: ReportOptions): Promise<ReportResult> {
  const warnings: string[] = [];
  const warn: Warn = (m) => {
    warnings.push(m);
    opts.warn?.(m);
  };
  const log = opts.log ?? (() => {});
  await initBackend('cpu');
  const datasetDir = resolveRunsDir(opts.runsDir);
  const folder = await discoverRuns(datasetDir, warn);
  const runs = folder.runs;
  for (const run of runs) for (const w of run.metrics.warnings ?? []) warn(`${run.experiment} seed ${run.seed}: ${w}`);
  log(`report: ${runs.length} finished runs in ${datasetDir}`);
  const summary: Summary = await summarize(folder, { allPairs: opts.allPairs === true });
  const lock = await lockFolder(opts.outDir, { what: 'report folder' });
  try {
    return await writeReport(opts, { datasetDir, runs, summary, warnings, warn, log });
  } finally {
    await lock.release();
  }
}

interface ReportInputs {
  datasetDir: string;
  runs: RunRecord[];
  summary: Summary;
  /** Every warning so far; `warn` appends to it. */
  warnings: string[];
  warn: Warn;
  log: (line: string) => void;
}

/** The report's blocks, images and files, from validated runs (buildReport holds the folder's lock). */
async function writeReport(opts: ReportOptions, { datasetDir, runs, summary, warnings, warn, log }: ReportInputs): Promise<ReportResult> {
  const assets = new Assets(opts.outDir);
  const groups = byExperiment(runs, summary.experiments.map((e) => e.experiment));
  const datasets = new DatasetCache(warn);
  const first = runs[0].config;
  const testSize = testSizeOf(runs);

  const colors = experimentColors(summary.experiments.map((e) => e.experiment));
  const used = datasetUsed(first, testSize);

  const tables = [
    ['experiments', experimentsTable(summary)],
    ['pairs', pairsTable(summary)],
    ...(summary.ensembles.length > 0 ? [['ensembles', ensemblesTable(summary)] as const] : []),
    ['runs', runsTable(runs)],
  ] as const;
  for (const [name, table] of tables) assets.table(name, table);
  const allPairs = summary.allPairs ? [allPairsMatrix(summary.allPairs), allPairsTable(summary.allPairs)] : null;
  if (allPairs) {
    assets.table('all-pairs-matrix', allPairs[0]);
    assets.table('all-pairs', allPairs[1]);
  }
  log('report: summary');
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Summary' },
    {
      kind: 'paragraph',
      text: `${runs.length} finished runs of ${groups.size} experiments on ${used}, read from \`${datasetDir}\`. Every number in this report is read from those run folders.`,
    },
    { kind: 'table', table: glanceTable(summary) },
    { kind: 'list', items: findings({ summary, testSize, runs }) },
    ...(await overlayBlocks(groups, colors, assets)),
    { kind: 'toc', expand: [] },
    { kind: 'heading', level: 2, text: 'Comparison' },
    ...tables.map(([, table]) => ({ kind: 'table', table }) as const),
  ];
  if (summary.ensemblesSkipped.length > 0) blocks.push({ kind: 'list', items: summary.ensemblesSkipped.map((k) => `${k.name} not formed: ${k.reason}.`) });
  if (allPairs) {
    blocks.push(
      { kind: 'heading', level: 3, text: 'Every pair of experiments' },
      { kind: 'table', table: allPairs[0] },
      { kind: 'details', summary: 'Every pair: counts, exact and Holm-adjusted p-values', blocks: [{ kind: 'table', table: allPairs[1] }] },
    );
  }
  if (summary.dataset === 'kmnist' && testSize === 10000) blocks.push({ kind: 'table', table: publishedTable(summary) });
  const note = representativeNote(runs);
  if (note) blocks.push({ kind: 'paragraph', text: note });

  const ctx: ExperimentContext = {
    assets,
    warn,
    log,
    colors,
    galleryLimit: opts.galleryLimit ?? 24,
    dataset: (run) => datasets.get(run.config),
    probe: probeImage,
    drawnArchitectures: new Map(),
  };
  for (const e of summary.experiments) {
    const list = groups.get(e.experiment);
    const ensemble = summary.ensembles.find((x) => x.kind === 'seeds' && x.members[0].experiment === e.experiment);
    if (list && list.length > 0) blocks.push(...(await experimentSection(e, list, ctx, ensemble)));
  }

  const ds = await datasets.get(first);
  if (ds) {
    blocks.push(
      { kind: 'heading', level: 2, text: 'The dataset' },
      { kind: 'image', file: assets.image('dataset-examples', exampleGridPng(ds)), alt: `${ds.name} examples` },
    );
  }
  if (warnings.length > 0) blocks.push({ kind: 'heading', level: 2, text: 'Warnings' }, { kind: 'list', items: [...warnings] });

  const doc: ReportDoc = { title: `kmnist-lab report: ${datasetLabel(first)}`, blocks };
  const markdownPath = join(opts.outDir, 'report.md');
  const htmlPath = join(opts.outDir, 'report.html');
  writeFileAtomic(markdownPath, renderMarkdown(doc));
  const fontCss = await embeddedFontFaceCss({ text: documentText(doc) });
  writeFileAtomic(htmlPath, renderHtml(doc, (file) => readFileSync(join(opts.outDir, file)), fontCss));
  log(`report: wrote ${relative(process.cwd(), markdownPath)} and ${relative(process.cwd(), htmlPath)}`);
  return { datasetDir, markdownPath, htmlPath, runs: runs.length, warnings, files: [...assets.written, 'report.md', 'report.html'] };
}
