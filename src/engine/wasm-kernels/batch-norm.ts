// Batch normalization in training mode on the wasm heap: the forward pass and its gradient as a few
// passes over [rows, channels] (NHWC with the channels last), where TF.js runs tf.moments, batchNorm and
// autodiff's Tile/Mean/broadcast kernels (measured under load: Tile alone ~1.4 s of a 3.8 s training
// step of a 4-conv BN network on 2 threads). The passes are batch-norm.wat's SIMD loops when the channels come in
// fours, else the float64 JS loops below (also the reference the tests hold the SIMD passes to).
//
// Formulas (Ioffe & Szegedy 2015, "Batch Normalization", Algorithm 1 and the backward pass of §3), over
// the m = rows values of each channel:
//   mean = Σx / m,  var = Σ(x - mean)² / m (biased, as Keras and TF.js use in training),
//   x̂ = (x - mean) / sqrt(var + ε),  y = γ x̂ + β;
//   dβ = Σdy,  dγ = Σ dy·x̂,  dx = γ / sqrt(var + ε) · (dy - dβ/m - x̂ · dγ/m).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { offsetOf } from './views.ts';
import { memoryOf, WatModule } from './wat-module.ts';

export const BATCH_NORM_WAT = new WatModule(new URL('./batch-norm.wat', import.meta.url));

/** Per-channel statistics of one batch (length = channels). */
export interface BatchStats {
  mean: Float32Array;
  /** Biased (divided by m). */
  variance: Float32Array;
  /** 1 / sqrt(variance + epsilon). */
  invStd: Float32Array;
}

/** The statistics from per-column sums (float64) of x and of (x - mean)². */
function statsOf(mean: Float32Array, squaredDeviation: ArrayLike<number>, rows: number, epsilon: number): BatchStats {
  const variance = Float32Array.from(squaredDeviation, (v) => v / rows);
  return { mean, variance, invStd: Float32Array.from(variance, (v) => 1 / Math.sqrt(v + Math.fround(epsilon))) };
}

/** y = x·a + b per column, a = γ·invStd, b = β - mean·a. */
function forwardCoefficients(s: BatchStats, gamma: Float32Array, beta: Float32Array): { a: Float32Array; b: Float32Array } {
  const a = Float32Array.from(gamma, (g, c) => g * s.invStd[c]);
  return { a, b: Float32Array.from(beta, (v, c) => v - s.mean[c] * a[c]) };
}

/**
 * The gradient as dx = dy·k + x·p + q per column, from Σdy and Σdy·x: k = γ·invStd,
 * p = -k·invStd·dγ/m, q = -k·dβ/m - p·mean (the formula above with x̂ expanded).
 */
function gradCoefficients(sumDy: ArrayLike<number>, sumDyX: ArrayLike<number>, rows: number, s: BatchStats, gamma: Float32Array) {
  const cols = gamma.length;
  const [dgamma, dbeta, k, p, q] = Array.from({ length: 5 }, () => new Float32Array(cols));
  for (let c = 0; c < cols; c++) {
    const dg = s.invStd[c] * (sumDyX[c] - s.mean[c] * sumDy[c]); // Σ dy·x̂
    dgamma[c] = dg;
    dbeta[c] = sumDy[c];
    k[c] = gamma[c] * s.invStd[c];
    p[c] = (-k[c] * s.invStd[c] * dg) / rows;
    q[c] = (-k[c] * sumDy[c]) / rows - p[c] * s.mean[c];
  }
  return { dgamma, dbeta, k, p, q };
}

/** Mean and biased variance of each column of a [rows, cols] matrix (two passes: no cancellation). */
export function columnMoments(x: Float32Array, rows: number, cols: number, epsilon: number): BatchStats {
  const sum = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) sum[c] += x[base + c];
  }
  const mean = Float32Array.from(sum, (v) => v / rows);
  const sq = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const d = x[base + c] - mean[c];
      sq[c] += d * d;
    }
  }
  return statsOf(mean, sq, rows, epsilon);
}

/** y = (x - mean) · invStd · gamma + beta. */
export function normalizeColumns(x: Float32Array, rows: number, cols: number, s: BatchStats, gamma: Float32Array, beta: Float32Array, y: Float32Array): void {
  const { a, b } = forwardCoefficients(s, gamma, beta);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) y[base + c] = x[base + c] * a[c] + b[c];
  }
}

/** The gradients of y = γ x̂ + β with respect to x (written into `dx`), γ and β. */
export function normalizeColumnsGrad(
  dy: Float32Array,
  x: Float32Array,
  rows: number,
  cols: number,
  s: BatchStats,
  gamma: Float32Array,
  dx: Float32Array,
): { dgamma: Float32Array; dbeta: Float32Array } {
  const sumDy = new Float64Array(cols);
  const sumDyX = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const g = dy[base + c];
      sumDy[c] += g;
      sumDyX[c] += g * x[base + c];
    }
  }
  const { dgamma, dbeta, k, p, q } = gradCoefficients(sumDy, sumDyX, rows, s, gamma);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) dx[base + c] = dy[base + c] * k[c] + x[base + c] * p[c] + q[c];
  }
  return { dgamma, dbeta };
}

type ColSum = (a: number, rows: number, cols: number, acc32: number, acc64: number) => void;
type ColSquaredDeviation = (a: number, rows: number, cols: number, m: number, acc32: number, acc64: number) => void;
type ColSumAndDot = (a: number, b: number, rows: number, cols: number, accA32: number, accA64: number, accB32: number, accB64: number) => void;
type ColumnAffine = (a: number, b: number, rows: number, cols: number, s: number, t: number, u: number, y: number) => void;

/** The passes over [rows, cols] at heap byte offsets: batch-norm.wat's, or the JS loops on heap views. */
interface Passes {
  moments(x: number, rows: number, epsilon: number): BatchStats;
  normalize(x: number, rows: number, s: BatchStats, gamma: Float32Array, beta: Float32Array, y: number): void;
  grad(dy: number, x: number, rows: number, s: BatchStats, gamma: Float32Array, dx: number): { dgamma: Float32Array; dbeta: Float32Array };
  release(): void;
}

/**
 * batch-norm.wat's passes, with a scratch block of 9·cols floats on the heap: rows 0 and 3 float32
 * partial sums, 1-2 and 4-5 float64 accumulators, 6-8 per-column coefficients. Views are taken after
 * every allocation (a heap growth detaches earlier ones).
 */
class SimdPasses implements Passes {
  private readonly scratch: tf.TensorInfo;
  private readonly f: { colSum: ColSum; colSquaredDeviation: ColSquaredDeviation; colSumAndDot: ColSumAndDot; columnAffine: ColumnAffine };

  constructor(
    private readonly backend: BackendWasm,
    exports: WebAssembly.Exports,
    private readonly memory: WebAssembly.Memory,
    private readonly cols: number,
  ) {
    this.f = exports as unknown as SimdPasses['f'];
    this.scratch = backend.makeOutput([9 * cols], 'float32');
    new Float32Array(memory.buffer, this.at(0), 9 * cols).fill(0);
  }

  /** Byte offset of scratch row `row` (rows of cols floats). */
  private at(row: number): number {
    return offsetOf(this.backend, this.scratch) + 4 * this.cols * row;
  }

  private f64(row: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.at(row), this.cols);
  }

  private f32(row: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.at(row), this.cols);
  }

  moments(x: number, rows: number, epsilon: number): BatchStats {
    this.f.colSum(x, rows, this.cols, this.at(0), this.at(1));
    const mean = Float32Array.from(this.f64(1), (v) => v / rows);
    this.f64(1).fill(0);
    this.f32(6).set(mean);
    this.f.colSquaredDeviation(x, rows, this.cols, this.at(6), this.at(0), this.at(1));
    return statsOf(mean, this.f64(1), rows, epsilon);
  }

  normalize(x: number, rows: number, s: BatchStats, gamma: Float32Array, beta: Float32Array, y: number): void {
    const { a, b } = forwardCoefficients(s, gamma, beta);
    this.f32(6).set(a);
    this.f32(7).set(b);
    this.f.columnAffine(x, 0, rows, this.cols, this.at(6), this.at(7), 0, y);
  }

  grad(dy: number, x: number, rows: number, s: BatchStats, gamma: Float32Array, dx: number): { dgamma: Float32Array; dbeta: Float32Array } {
    this.f64(1).fill(0);
    this.f.colSumAndDot(dy, x, rows, this.cols, this.at(0), this.at(1), this.at(3), this.at(4));
    const c = gradCoefficients(this.f64(1), this.f64(4), rows, s, gamma);
    this.f32(6).set(c.k);
    this.f32(7).set(c.q);
    this.f32(8).set(c.p);
    this.f.columnAffine(dy, x, rows, this.cols, this.at(6), this.at(7), this.at(8), dx);
    return { dgamma: c.dgamma, dbeta: c.dbeta };
  }

  release(): void {
    this.backend.disposeData(this.scratch.dataId);
  }
}

/** The JS loops on views of the heap (channels not in fours, or batch-norm.wat not compiled). */
class JsPasses implements Passes {
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly cols: number,
  ) {}

  private view(offset: number, rows: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, rows * this.cols);
  }

  moments(x: number, rows: number, epsilon: number): BatchStats {
    return columnMoments(this.view(x, rows), rows, this.cols, epsilon);
  }

  normalize(x: number, rows: number, s: BatchStats, gamma: Float32Array, beta: Float32Array, y: number): void {
    normalizeColumns(this.view(x, rows), rows, this.cols, s, gamma, beta, this.view(y, rows));
  }

  grad(dy: number, x: number, rows: number, s: BatchStats, gamma: Float32Array, dx: number): { dgamma: Float32Array; dbeta: Float32Array } {
    return normalizeColumnsGrad(this.view(dy, rows), this.view(x, rows), rows, this.cols, s, gamma, this.view(dx, rows));
  }

  release(): void {}
}

/** The passes for this backend and channel count; `simd: false` forces the JS loops (tests). */
function passesFor(backend: BackendWasm, memory: WebAssembly.Memory, cols: number, simd: boolean): Passes {
  const instance = simd && cols % 4 === 0 ? BATCH_NORM_WAT.instanceFor(backend) : undefined;
  return instance ? new SimdPasses(backend, instance.exports, memory, cols) : new JsPasses(memory, cols);
}

/** A copy of a small tensor's values from the heap. */
const valuesOf = (backend: BackendWasm, t: tf.Tensor): Float32Array => Float32Array.from(backend.typedArrayFromHeap(t) as Float32Array);

/**
 * Training-mode batch normalization over every axis but the last: x [..., C] float32, gamma and beta
 * [C]. Returns y (x's shape, differentiable with respect to x, gamma and beta through tf.customGrad)
 * and the batch's mean and biased variance (for the moving averages); undefined when the active
 * backend is not wasm. `simd: false` runs the JS loops whatever the channel count (tests).
 */
export function batchNormTrainingWasm(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  options: { simd?: boolean } = {},
): { y: tf.Tensor; mean: Float32Array; variance: Float32Array } | undefined {
  if (tf.getBackend() !== 'wasm' || [x, gamma, beta].some((t) => t.dtype !== 'float32')) return undefined;
  const backend = tf.backend() as BackendWasm;
  const memory = memoryOf(backend);
  if (memory === undefined) return undefined;
  const cols = x.shape[x.shape.length - 1];
  const rows = x.size / cols;
  const simd = options.simd ?? true;
  let stats: BatchStats | undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xt, gt, bt] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const out = backend.makeOutput(xt.shape, 'float32');
    const passes = passesFor(backend, memory, cols, simd);
    try {
      const s = passes.moments(offsetOf(backend, xt), rows, epsilon);
      passes.normalize(offsetOf(backend, xt), rows, s, valuesOf(backend, gt), valuesOf(backend, bt), offsetOf(backend, out));
      stats = s;
    } finally {
      passes.release();
    }
    save([xt, gt]);
    const s = stats;
    return {
      value: tf.engine().makeTensorFromTensorInfo(out),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs] = saved;
        const dx = backend.makeOutput(xs.shape, 'float32');
        const back = passesFor(backend, memory, cols, simd);
        try {
          const g = back.grad(offsetOf(backend, dy), offsetOf(backend, xs), rows, s, valuesOf(backend, gs), offsetOf(backend, dx));
          return [tf.engine().makeTensorFromTensorInfo(dx), tf.tensor1d(g.dgamma), tf.tensor1d(g.dbeta)];
        } finally {
          back.release();
        }
      },
    };
  });
  const y = op(x, gamma, beta);
  if (stats === undefined) throw new Error('batchNormTrainingWasm: the forward pass did not run');
  return { y, mean: stats.mean, variance: stats.variance };
}
