// One experiment's section of the report, aggregated over its seeds: what it scored (mean ± std), its
// training curves (every seed in one chart), its architecture (once per distinct architecture), the
// per-class report over seeds, the representative seed's figures, then each seed's details folded.
import { join } from 'node:path';
import type { Dataset } from '../data/types.ts';
import type { ExperimentSummary } from '../study/summary.ts';
import { membersText, pointsText, type EnsembleSummary } from '../study/ensembles.ts';
import { formatP } from '../metrics/stats.ts';
import type { RunRecord, Warn } from '../run-folder/read.ts';
import type { Assets } from './assets.ts';
import { curvesSpec } from './charts.ts';
import { LEAK_MARK, meanStdPct, seedList } from './comparison.ts';
import { stillImprovingSeeds } from './findings.ts';
import { dotToSvg, modelFromJsonFile, modelToDot, summarizeModel } from './diagram.ts';
import type { Block } from './document.ts';
import { classRowLabels, type ClassificationReport } from '../metrics/classification.ts';
import { svgToPng, vegaLiteToSvg } from './render.ts';
import { classificationReportOverSeedsTable } from './report-tables.ts';
import { MAX_INLINE_CLASSES, representativeSeed, runSection, type ProbeImage } from './run-section.ts';

export interface ExperimentContext {
  assets: Assets;
  warn: Warn;
  log: (line: string) => void;
  colors: Map<string, string>;
  galleryLimit: number;
  dataset: (run: RunRecord) => Promise<Dataset | null>;
  probe: (ds: Dataset, labels: string[]) => ProbeImage;
  /** Architecture drawing (DOT without its title) -> the experiment it was first drawn for. */
  drawnArchitectures: Map<string, string>;
}

function overview(e: ExperimentSummary, runs: RunRecord[]): string {
  const m = runs[0].metrics;
  const trained = runs[0].hasModel || m.epochsRun > 0;
  const seeds = e.seeds.length === 1 ? `1 seed (${e.seeds[0]})` : `${e.seeds.length} seeds (${e.seeds.join(', ')})`;
  if (e.deterministic) {
    const fit = e.fitSeconds === undefined ? '' : `fit (storing the ${runs[0].config.numClasses}-class training set) ${e.fitSeconds.toFixed(2)} s, `;
    return `Deterministic (no training, no randomness: one run stands for every seed): test accuracy ${meanStdPct(e.testAccuracy, true).replace(' (deterministic)', '')}, macro-F1 ${meanStdPct(e.macroF1, true).replace(' (deterministic)', '')}; ${fit}prediction ${Math.round(e.meanInferenceImagesPerSecond).toLocaleString('en-US')} img/s.`;
  }
  const parts = [`${seeds}: test accuracy ${meanStdPct(e.testAccuracy)}, macro-F1 ${meanStdPct(e.macroF1)}`];
  if (trained) {
    parts.push(`${e.paramCount.toLocaleString('en-US')} parameters, epochs run ${e.epochsRun.join(', ')} (best ${runs.map((r) => r.metrics.bestEpoch).join(', ')}) of a cap of ${[...new Set(e.epochsConfigured)].join(', ')}`);
    parts.push(`${Math.round(e.meanTrainImagesPerSecond).toLocaleString('en-US')} train img/s`);
  }
  if (e.leakySeeds.length) parts.push(`${LEAK_MARK}: ${seedList(e.leakySeeds)}`);
  let text = parts.join('; ') + '.';
  const improving = stillImprovingSeeds(runs);
  if (improving.length) text += ` **Still improving at the epoch cap** (${seedList(improving)}: the best epoch was the last one): more epochs may raise these numbers.`;
  return text;
}

async function curves(experiment: string, runs: RunRecord[], ctx: ExperimentContext): Promise<Block[]> {
  const histories = runs.filter((r) => r.history !== null && r.history.epoch.length > 0).map((r) => ({ seed: r.seed, history: r.history as NonNullable<RunRecord['history']> }));
  if (histories.length === 0) return [];
  const leaky = runs.some((r) => r.config.validationOn === 'test');
  const svg = await vegaLiteToSvg(curvesSpec(experiment, histories, leaky ? 'test (used as validation ⚠)' : 'validation', ctx.colors.get(experiment)));
  return [
    {
      kind: 'image',
      file: ctx.assets.image(`curves-${experiment}`, svgToPng(svg), svg),
      alt: `training curves of ${experiment}`,
      caption: leaky ? `${LEAK_MARK}: the "validation" curve of ${experiment} is the test set (preset seed).` : undefined,
    },
  ];
}

async function architecture(experiment: string, runs: RunRecord[], ctx: ExperimentContext): Promise<Block[]> {
  const run = runs.find((r) => r.hasModel);
  if (!run) return [{ kind: 'paragraph', text: `**${experiment}** has no layers model (${runs[0].config.model}): no architecture to draw.` }];
  const file = join(run.dir, 'model', 'model.json');
  try {
    const model = await modelFromJsonFile(file);
    const summary = summarizeModel(model);
    model.dispose();
    const body = modelToDot('', summary);
    const same = ctx.drawnArchitectures.get(body);
    if (same !== undefined) return [{ kind: 'paragraph', text: `Architecture: the same as **${same}** (drawn in its section), ${summary.totalParams.toLocaleString('en-US')} parameters.` }];
    ctx.drawnArchitectures.set(body, experiment);
    const svg = await dotToSvg(modelToDot(experiment, summary));
    return [{ kind: 'image', file: ctx.assets.image(`architecture-${experiment}`, svgToPng(svg, 1), svg), alt: `architecture of ${experiment}` }];
  } catch (err) {
    ctx.warn(`${file}: no diagram (${(err as Error).message})`);
    return [];
  }
}

function perClassOverSeeds(experiment: string, reports: ClassificationReport[], numClasses: number, ctx: ExperimentContext): Block[] {
  if (reports.length === 0) return [];
  const n = reports.length;
  const table = classificationReportOverSeedsTable(reports, `${experiment}: classification report (test), ${n === 1 ? '1 seed' : `mean ± std over ${n} seeds`}`);
  ctx.assets.table(`classification-${experiment}-test-over-seeds`, table);
  if (numClasses > MAX_INLINE_CLASSES) return [{ kind: 'paragraph', text: `The per-class report over seeds (${numClasses} classes) is in \`tables/classification-${experiment}-test-over-seeds.csv\`.` }];
  return [{ kind: 'table', table }];
}

/** The soft-vote ensemble of the experiment's seeds against each seed, in a sentence. */
function ensembleParagraph(x: EnsembleSummary): Block {
  const r = x.reference;
  const others = x.versusSeeds.filter((v) => v.seed !== r.seed).map((v) => `seed ${v.seed} ${pointsText(v.gain)} (${formatP(v.p)})`);
  return {
    kind: 'paragraph',
    text:
      `**Ensemble of ${membersText(x)}** (soft vote: the mean of their saved test probabilities; no training of its own): test accuracy ${(x.testAccuracy * 100).toFixed(2)} %, ` +
      `${pointsText(r.gain)} over seed ${r.seed} (the representative seed; McNemar: ${r.words})` +
      `${others.length ? `; against the other seeds ${others.join(', ')}` : ''}; ${pointsText(x.gainOverMean)} over the mean of its seeds.` +
      (x.validatedOnTest ? ` ${LEAK_MARK}: a member picked its epoch by the test set, so this number is optimistic.` : ''),
  };
}

/** `ensemble`: the soft-vote ensemble of this experiment's seeds, when it has one (study/ensembles.ts). */
export async function experimentSection(e: ExperimentSummary, runs: RunRecord[], ctx: ExperimentContext, ensemble?: EnsembleSummary): Promise<Block[]> {
  const name = e.experiment;
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: name }, { kind: 'paragraph', text: overview(e, runs) }];
  if (ensemble) blocks.push(ensembleParagraph(ensemble));
  blocks.push(...(await curves(name, runs, ctx)));
  const arch = await architecture(name, runs, ctx);
  // a diagram is a page tall: folded in the HTML, like the per-seed details
  if (arch.some((b) => b.kind === 'image')) blocks.push({ kind: 'details', summary: `${name}: architecture (layers, shapes, parameters)`, blocks: arch });
  else blocks.push(...arch);
  const seeds = runs.map((r) => r.seed);
  const representative = representativeSeed(seeds);
  const reports: ClassificationReport[] = [];
  const folded: Block[] = [];
  const figures: Block[] = [];
  const illustrations: Block[] = [];
  for (const run of runs) {
    ctx.log(`report: ${run.experiment} seed ${run.seed}`);
    const ds = await ctx.dataset(run);
    const labels = classRowLabels(run.config.numClasses, run.config.classChars);
    const section = await runSection(run, { assets: ctx.assets, warn: ctx.warn, dataset: ds, probe: ds ? ctx.probe(ds, labels) : null, galleryLimit: ctx.galleryLimit, experimentSeeds: seeds });
    if (section.testReport) reports.push(section.testReport);
    figures.push(...section.figures);
    illustrations.push(...section.illustrations);
    folded.push({ kind: 'details', summary: `${name}, seed ${run.seed}: test accuracy ${(run.metrics.testAccuracy * 100).toFixed(2)} %; per-class reports (test, train, validation), confusion counts, mistakes`, blocks: section.details });
  }
  blocks.push(...perClassOverSeeds(name, reports, runs[0].config.numClasses, ctx));
  if (figures.length || illustrations.length) {
    const others = seeds.filter((s) => s !== representative);
    blocks.push({
      kind: 'paragraph',
      text: `Figures of seed ${representative}${others.length ? `, the representative seed (they stand for ${seedList(others)}, which are not drawn)` : ''}: confusion matrix, the most confident mistakes${runs.some((r) => r.hasModel) ? ', learned filters and activation maps' : ''}.`,
    });
    blocks.push(...figures);
    if (illustrations.length) {
      blocks.push({ kind: 'details', summary: `${name} seed ${representative}: ${runs.some((r) => r.hasModel) ? 'the most confident mistakes, learned filters and activation maps' : 'the most confident mistakes'}`, blocks: illustrations });
    }
  }
  blocks.push(...folded);
  return blocks;
}
