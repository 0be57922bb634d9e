// Renders the study summary as Markdown (summary.md): what a reader needs to answer "CNN vs FCNN".
import { membersText, pointsText, referenceText, type EnsembleSummary } from './ensembles.ts';
import { formatP } from '../metrics/stats.ts';
import type { SampleStats } from '../metrics/stats.ts';
import type { ExperimentSummary, PairComparison, Summary } from './summary.ts';

function fmt(x: number): string {
  return x.toFixed(4);
}

function meanStd(s: SampleStats): string {
  return s.std === null ? `${fmt(s.mean)} (1 seed)` : `${fmt(s.mean)} ± ${fmt(s.std)}`;
}

function ci(s: SampleStats): string {
  return s.ci95 === null ? '—' : `[${fmt(s.ci95[0])}, ${fmt(s.ci95[1])}]`;
}

function epochs(e: ExperimentSummary): string {
  const run = [...new Set(e.epochsRun)].join('/');
  const cap = [...new Set(e.epochsConfigured)].join('/');
  return run === cap ? run : `${run} (cap ${cap})`;
}

function experimentTable(s: Summary): string[] {
  const balanced = s.headlineMetric === 'balanced-accuracy';
  const head = ['experiment', 'seeds'];
  if (balanced) head.push('balanced accuracy', '95 % CI');
  head.push('test accuracy', '95 % CI', 'macro-F1', '95 % CI', 'params', 'train img/s', 'epochs');
  const rows = s.experiments.map((e) => {
    const name = e.leakySeeds.length > 0 ? `${e.experiment} ⚠` : e.experiment;
    // knn: one run stands for every seed; no spread to report
    const cell = (x: SampleStats): string[] => (e.deterministic ? [fmt(x.mean), '— (deterministic)'] : [meanStd(x), ci(x)]);
    const cells = [name, e.deterministic ? 'deterministic' : String(e.seeds.length)];
    if (balanced) cells.push(...cell(e.balancedAccuracy));
    cells.push(...cell(e.testAccuracy), ...cell(e.macroF1));
    // Runs that record 0 epochs (knn) do not train: no parameters, no training throughput.
    if (e.epochsConfigured.every((n) => n === 0)) cells.push('—', '—', '—');
    else cells.push(e.paramCount.toLocaleString('en-US'), Math.round(e.meanTrainImagesPerSecond).toLocaleString('en-US'), epochs(e));
    return `| ${cells.join(' | ')} |`;
  });
  // Ensembles have one value each (no spread), and no parameters or epochs of their own.
  const ensembleRows = s.ensembles.map((e) => {
    const cells = [e.validatedOnTest ? `${e.name} ⚠` : e.name, e.kind === 'seeds' ? `ensemble of ${e.members[0].seeds.length}` : `ensemble of ${e.members.length} experiments`];
    if (balanced) cells.push(fmt(e.balancedAccuracy), '— (ensemble)');
    cells.push(fmt(e.testAccuracy), '— (ensemble)', fmt(e.macroF1), '— (ensemble)', '— (ensemble)', '—', '—');
    return `| ${cells.join(' | ')} |`;
  });
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows, ...ensembleRows];
}

function ensembleRow(e: EnsembleSummary): string {
  const r = e.reference;
  const seeds = e.versusSeeds.map((v) => `${v.seed}: ${pointsText(v.gain)} (${formatP(v.p)})`).join('; ');
  return `| ${e.name} | ${membersText(e)} | ${fmt(e.testAccuracy)} | ${referenceText(e)}: ${fmt(r.testAccuracy)} | ${pointsText(r.gain)} | ${r.aOnly} / ${r.bOnly} | ${formatP(r.p).replace('p ', '')} | ${seeds || '—'} |`;
}

function ensembleLines(s: Summary): string[] {
  if (s.ensembles.length === 0 && s.ensemblesSkipped.length === 0) return [];
  const out = [
    '## Ensembles (soft vote of finished runs, no training of their own)',
    '',
    'Each ensemble averages its members\' saved test probabilities (predictions-test.csv) and predicts the class with',
    'the highest mean; the neural ensemble averages each experiment\'s seeds first, then the experiments with equal',
    'weight (knn, not a neural network, is left out). Each is tested against one single run with McNemar\'s exact test:',
    'its experiment\'s representative seed (the lowest, the one the report draws).',
    '',
  ];
  if (s.ensembles.length > 0) {
    out.push(
      '| ensemble | members | test accuracy | against | gain | ensemble right, run wrong / the other way | p (exact) | gain over each seed |',
      '|---|---|---|---|---|---|---|---|',
      ...s.ensembles.map(ensembleRow),
      '',
      ...s.ensembles.map((e) => `- ${e.name}: ${e.reference.words}.`),
      '',
    );
  }
  for (const k of s.ensemblesSkipped) out.push(`- ${k.name} not formed: ${k.reason}.`);
  if (s.ensemblesSkipped.length > 0) out.push('');
  return out;
}

function comparisonLines(c: PairComparison): string[] {
  const out = [`### ${c.a} vs ${c.b}: ${c.question}`, ''];
  if (c.combined === null) return [...out, `Not compared: ${c.skipped ?? 'no paired runs'}.`, ''];
  out.push(`| seed | ${c.a} right, ${c.b} wrong | ${c.b} right, ${c.a} wrong | both right | both wrong | p (exact) |`, '|---|---|---|---|---|---|');
  for (const r of c.perSeed) out.push(`| ${r.seed} | ${r.aOnly} | ${r.bOnly} | ${r.bothRight} | ${r.bothWrong} | ${formatP(r.p).replace('p ', '')} |`);
  out.push('', ...c.perSeed.map((r) => `- seed ${r.seed}: ${r.words}.`));
  out.push(`- **All seeds**: ${c.combined.words}.`, '');
  return out;
}

export function renderSummaryMarkdown(s: Summary): string {
  const headline = s.headlineMetric === 'balanced-accuracy' ? 'balanced accuracy (the dataset is imbalanced)' : 'test accuracy';
  const lines = [
    `# Study summary: ${s.dataset}`,
    '',
    `Runs read from \`${s.runsDir}\`. Headline metric: ${headline}. Per experiment: mean ± sample standard`,
    'deviation over seeds and the 95 % confidence interval of the mean (Student t, n − 1 degrees of freedom).',
    '',
    ...experimentTable(s),
    '',
  ];
  const leaky = s.experiments.filter((e) => e.leakySeeds.length > 0);
  if (leaky.length > 0) {
    lines.push(
      `⚠ Validated on the test set (the original study's leakage: early stopping and checkpoint chosen on test data, so these test numbers are optimistic): ${leaky.map((e) => `${e.experiment} (seeds ${e.leakySeeds.join(', ')})`).join('; ')}.`,
      '',
    );
  }
  for (const e of s.experiments) {
    for (const w of e.warnings) lines.push(`⚠ ${e.experiment} seed ${w.seed}: ${w.warning}`, '');
  }
  if (s.incomplete.length > 0) {
    lines.push(`Incomplete runs (not counted): ${s.incomplete.map((r) => `${r.experiment} seed ${r.seed}`).join(', ')}.`, '');
  }
  lines.push(
    '## Paired comparisons (McNemar exact test)',
    '',
    'Both models of a pair are tested on the same images; the test counts the images exactly one of them',
    'gets right and asks whether the split could be a fair coin (two-sided exact binomial p-value).',
    `Runs are paired by seed. Across seeds the verdict is the largest per-seed p-value (significance level ${s.significanceLevel}):`,
    'the same test images recur in every seed, so the seeds\' counts are not pooled into one test.',
    '',
  );
  // Pairs with an experiment that has no complete runs (not part of this study's --experiments): one line, not a section each.
  const notRun = s.comparisons.filter((c) => c.combined === null && c.skipped?.startsWith('no complete runs of'));
  for (const c of s.comparisons) if (!notRun.includes(c)) lines.push(...comparisonLines(c));
  if (notRun.length > 0) lines.push(`Not compared, for want of complete runs: ${notRun.map((c) => `${c.a} vs ${c.b} (${c.skipped?.replace('no complete runs of ', 'no ')})`).join('; ')}.`, '');
  lines.push(...ensembleLines(s));
  return `${lines.join('\n').trimEnd()}\n`;
}
