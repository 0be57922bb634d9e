// The JSON the server sends and the page reads: one definition for both sides.

/** One finished run folder (metrics.json present) under the runs root. */
export interface RunSummary {
  /** Path of the run folder relative to the runs root, '/'-separated: the run's id in every URL. */
  id: string;
  experiment: string;
  seed: number;
  dataset: string;
  numClasses: number;
  classNames: string[];
  classChars?: string[];
  testAccuracy: number;
  paramCount: number;
  /** URL of model/model.json, or null when the run has no neural model (knn). */
  modelUrl: string | null;
  /** True when the run validated on the test set (the original study's leakage). */
  validatedOnTest: boolean;
  /** Number of rows in predictions-test.csv whose prediction is wrong (null when the file is absent). */
  mistakes: number | null;
}

/**
 * The neural runs (modelUrl set) of one experiment folder, lowest seed first. The page loads `runIds[0]` of
 * every group first and is usable once those are in; the other seeds load afterwards.
 */
export interface ModelGroup {
  /** The experiment folder relative to the runs root, '/'-separated (the run ids' parent), e.g. 'kmnist/cnn'. */
  id: string;
  experiment: string;
  /** Run ids by seed, ascending: the first is the one loaded first (seed 1, or the lowest seed present). */
  runIds: string[];
}

export interface RunsResponse {
  runsRoot: string;
  runs: RunSummary[];
  /** The runs with a model, grouped by experiment folder, in the order of `runs`. */
  modelGroups: ModelGroup[];
  /** Run folders that could not be read, one line each. */
  problems: string[];
  /** URL of the HTML report, or null when none was found. */
  reportUrl: string | null;
  /** Where the server looked for the report (shown with the command that makes it). */
  reportDir: string;
}

export type TestImageKind = 'random' | 'mistake';

/** One test image with what a run saved about it (predictions-test.csv). */
export interface TestImageResponse {
  runId: string;
  kind: TestImageKind;
  /** Row index into the dataset's test set. */
  index: number;
  width: number;
  height: number;
  /** height*width values 0..255, row-major, 0 = background. */
  pixels: number[];
  trueClass: number;
  /** The class the run predicted for this image when it was trained. */
  savedPredicted: number;
}

/** Some test images of one class (GET /api/examples): what the class looks like in the dataset. */
export interface ClassExamples {
  classIndex: number;
  /** Row indices into the test set, ascending: the class's first images in test-set order. */
  indices: number[];
  /** base64 of indices.length x height x width uint8 values, row-major, 0 = background. */
  pixels: string;
}

/**
 * GET /api/examples?run=<run id>&classes=<k,k,...>[&count=<n>]: the first `count` test images of each asked class,
 * from the run's test set. Without the test set (data not downloaded, or moved) `available` is false, `note` says so
 * in a few words and `detail` gives the loader's reason: the page then shows no examples, and no error.
 */
export type ExamplesResponse =
  | { available: true; runId: string; dataset: string; width: number; height: number; examples: ClassExamples[] }
  | { available: false; runId: string; dataset: string; note: string; detail: string };

export interface ApiError {
  error: string;
}
