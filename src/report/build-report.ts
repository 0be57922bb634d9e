// `kmnist-lab report`: reads runs/<dataset>/, writes report.md + images/ + tables/ and a self-contained report.html.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { initBackend } from '../engine/backend.ts';
import { summarize, type Summary } from '../study/summary.ts';
import { Assets, writeAtomic } from './assets.ts';
import { curvesSpec, overlaySpec, type ExperimentHistories } from './charts.ts';
import { experimentsTable, LEAK_MARK, pairsTable, runsTable } from './comparison.ts';
import { DatasetCache, exampleGridPng, probeImage } from './dataset-images.ts';
import { dotToSvg, modelFromJsonFile, modelToDot, summarizeModel } from './diagram.ts';
import { documentText, renderHtml, renderMarkdown, type Block, type ReportDoc } from './document.ts';
import { embeddedFontFaceCss } from '../graphics/fonts.ts';
import { findings, publishedTable } from './findings.ts';
import { classRowLabels } from './metrics.ts';
import { svgToPng, vegaLiteToSvg } from './render.ts';
import { discoverRuns, resolveRunsDir, type RunRecord, type Warn } from '../study/run-reader.ts';
import { representativeNote, runSection } from './run-section.ts';

export interface ReportOptions {
  /** runs/<dataset> or the runs root (the most recent dataset is used). */
  runsDir: string;
  outDir: string;
  warn?: Warn;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Mistakes shown per run. */
  galleryLimit?: number;
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

async function curveBlocks(groups: Map<string, RunRecord[]>, assets: Assets): Promise<Block[]> {
  const all: ExperimentHistories[] = [];
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Training curves' }];
  const perExperiment: Block[] = [];
  for (const [experiment, runs] of groups) {
    const histories = runs.filter((r) => r.history !== null && r.history.epoch.length > 0).map((r) => ({ seed: r.seed, history: r.history as NonNullable<RunRecord['history']> }));
    if (histories.length === 0) continue;
    all.push({ experiment, histories });
    const leaky = runs.some((r) => r.config.validationOn === 'test');
    const svg = await vegaLiteToSvg(curvesSpec(experiment, histories, leaky ? 'test (used as validation ⚠)' : 'validation'));
    perExperiment.push({
      kind: 'image',
      file: assets.image(`curves-${experiment}`, svgToPng(svg), svg),
      alt: `training curves of ${experiment}`,
      caption: leaky ? `${LEAK_MARK}: the "validation" curve of ${experiment} is the test set (preset seed).` : undefined,
    });
  }
  if (all.length === 0) return [...blocks, { kind: 'paragraph', text: 'No run has a usable history.json or log.csv.' }];
  const svg = await vegaLiteToSvg(overlaySpec(all));
  blocks.push({ kind: 'image', file: assets.image('curves-all-experiments', svgToPng(svg), svg), alt: 'validation curves of all experiments' });
  return [...blocks, ...perExperiment];
}

async function diagramBlocks(groups: Map<string, RunRecord[]>, assets: Assets, warn: Warn): Promise<Block[]> {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Architectures' }];
  for (const [experiment, runs] of groups) {
    const run = runs.find((r) => r.hasModel);
    if (!run) {
      blocks.push({ kind: 'paragraph', text: `**${experiment}** has no layers model (${runs[0].config.model}).` });
      continue;
    }
    const file = join(run.dir, 'model', 'model.json');
    try {
      const model = await modelFromJsonFile(file);
      const summary = summarizeModel(model);
      model.dispose();
      const svg = await dotToSvg(modelToDot(experiment, summary));
      blocks.push({ kind: 'image', file: assets.image(`architecture-${experiment}`, svgToPng(svg, 1), svg), alt: `architecture of ${experiment}` });
    } catch (err) {
      warn(`${file}: no diagram (${(err as Error).message})`);
    }
  }
  return blocks;
}

function testSizeOf(runs: RunRecord[]): number {
  const c = runs[0].metrics.confusion;
  return c.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
}

export async function buildReport(opts: ReportOptions): Promise<ReportResult> {
  const warnings: string[] = [];
  const warn: Warn = (m) => {
    warnings.push(m);
    opts.warn?.(m);
  };
  const log = opts.log ?? (() => {});
  await initBackend('cpu');
  const datasetDir = resolveRunsDir(opts.runsDir);
  const runs = await discoverRuns(datasetDir, warn);
  log(`report: ${runs.length} finished runs in ${datasetDir}`);
  const summary: Summary = await summarize(datasetDir);
  const assets = new Assets(opts.outDir);
  const groups = byExperiment(runs, summary.experiments.map((e) => e.experiment));
  const datasets = new DatasetCache(warn);
  const first = runs[0].config;
  const testSize = testSizeOf(runs);

  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Findings' },
    { kind: 'list', items: findings({ summary, testSize }) },
    {
      kind: 'paragraph',
      text:
        `${runs.length} finished runs of ${groups.size} experiments on **${summary.dataset}** (${testSize.toLocaleString('en-US')} test images), ` +
        `read from \`${datasetDir}\`. Every number in this report is read from those run folders.`,
    },
    { kind: 'heading', level: 2, text: 'Comparison' },
  ];
  for (const [name, table] of [['experiments', experimentsTable(summary)], ['pairs', pairsTable(summary)], ['runs', runsTable(runs)]] as const) {
    assets.table(name, table);
    blocks.push({ kind: 'table', table });
  }
  if (summary.dataset === 'kmnist' && testSize === 10000) blocks.push({ kind: 'table', table: publishedTable(summary) });
  log('report: curves');
  blocks.push(...(await curveBlocks(groups, assets)));
  log('report: architectures');
  blocks.push(...(await diagramBlocks(groups, assets, warn)));

  const ds = await datasets.get(first);
  if (ds) {
    blocks.push(
      { kind: 'heading', level: 2, text: 'The dataset' },
      { kind: 'image', file: assets.image('dataset-examples', exampleGridPng(ds)), alt: `${ds.name} examples` },
    );
  }
  blocks.push({ kind: 'heading', level: 2, text: 'Runs' });
  const note = representativeNote(runs);
  if (note) blocks.push({ kind: 'paragraph', text: note });
  for (const run of runs) {
    log(`report: ${run.experiment} seed ${run.seed}`);
    const runDs = await datasets.get(run.config);
    const runLabels = classRowLabels(run.config.numClasses, run.config.classChars);
    blocks.push(...(await runSection(run, { assets, warn, dataset: runDs, probe: runDs ? probeImage(runDs, runLabels) : null, galleryLimit: opts.galleryLimit ?? 24, experimentSeeds: (groups.get(run.experiment) ?? [run]).map((r) => r.seed) })));
  }
  if (warnings.length > 0) blocks.push({ kind: 'heading', level: 2, text: 'Warnings' }, { kind: 'list', items: [...warnings] });

  const doc: ReportDoc = { title: `kmnist-lab report: ${summary.dataset}`, blocks };
  const markdownPath = join(opts.outDir, 'report.md');
  const htmlPath = join(opts.outDir, 'report.html');
  writeAtomic(markdownPath, renderMarkdown(doc));
  const fontCss = await embeddedFontFaceCss({ text: documentText(doc) });
  writeAtomic(htmlPath, renderHtml(doc, (file) => readFileSync(join(opts.outDir, file)), fontCss));
  log(`report: wrote ${relative(process.cwd(), markdownPath)} and ${relative(process.cwd(), htmlPath)}`);
  return { datasetDir, markdownPath, htmlPath, runs: runs.length, warnings, files: [...assets.written, 'report.md', 'report.html'] };
}
