// Commands the page suggests when there is nothing to show yet. test/web/hints.test.ts parses each
// with the real CLI's commands, so a hint never names a flag or argument that does not exist.

/** Shown when the runs folder has no finished run: get data, train one model, or run the study. */
export const EMPTY_RUNS_HINT = [
  'npx kmnist-lab download --dataset kmnist',
  'npx kmnist-lab train cnn',
  '# or the whole study (it downloads KMNIST when missing):',
  'npx kmnist-lab run',
];

/** Shown when no report was found. */
export const NO_REPORT_HINT = 'npx kmnist-lab report';
