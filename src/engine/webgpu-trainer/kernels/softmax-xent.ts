// Softmax + categorical cross-entropy with label smoothing (Keras: targets y·(1 - ε) + ε/classes), fused:
// the loss's gradient with respect to the logits and the epoch's loss/accuracy sums, in one dispatch of
// one workgroup (it also reduces, so no atomics and no second pass).
import type { Slice } from '../arena.ts';
import type { Dispatch, KernelContext } from './kernel.ts';
import { declare, f32, makeDispatch, read, rw, stepParams, touch } from './wgsl.ts';

export interface SoftmaxXentShape {
  /** The compiled batch size (rows >= StepParams.count are ignored, their dLogits set to 0). */
  rows: number;
  classes: number;
  /** Label smoothing ε in [0, 1). */
  smoothing: number;
}

/**
 * logits [rows, classes] and one-hot y [rows, classes] → dLogits = (softmax - smoothed y) / count for
 * rows < count (0 past it), and accum[0] += Σ per-row loss, accum[1] += Σ (argmax logits == argmax y)
 * (both f32; the correct count is exact below 2^24). Ties in argmax go to the first index, as tf.argMax.
 */
export function buildSoftmaxCrossEntropy(ctx: KernelContext, b: { logits: Slice; y: Slice; dLogits: Slice; accum: Slice }, s: SoftmaxXentShape): Dispatch[] {
  const C = s.classes;
  const off = s.smoothing / C;
  const bindings = [read('logits', b.logits), read('y', b.y), rw('dl', b.dLogits), rw('accum', b.accum), stepParams(ctx)];
  const code = /* wgsl */ `
${declare(bindings)}
var<workgroup> red_loss: array<f32, 256>;
var<workgroup> red_ok: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  ${touch(bindings)}
  let count = min(sp.count, ${s.rows}u);
  let inv = 1.0 / f32(max(count, 1u));
  var loss = 0.0;
  var ok = 0.0;
  for (var r = li; r < ${s.rows}u; r += 256u) {
    let base = r * ${C}u;
    if (r >= count) {
      for (var c = 0u; c < ${C}u; c++) { dl[base + c] = 0.0; }
      continue;
    }
    var mx = logits[base];
    var arg = 0u;
    var label = 0u;
    var ymax = y[base];
    for (var c = 1u; c < ${C}u; c++) {
      let l = logits[base + c];
      if (l > mx) { mx = l; arg = c; }
      if (y[base + c] > ymax) { ymax = y[base + c]; label = c; }
    }
    var sum = 0.0;
    for (var c = 0u; c < ${C}u; c++) { sum += exp(logits[base + c] - mx); }
    let lse = log(sum);
    for (var c = 0u; c < ${C}u; c++) {
      let z = logits[base + c] - mx;
      let tgt = y[base + c] * ${f32(1 - s.smoothing)} + ${f32(off)};
      dl[base + c] = (exp(z) / sum - tgt) * inv;
      loss += tgt * (lse - z);
    }
    ok += select(0.0, 1.0, arg == label);
  }
  red_loss[li] = loss;
  red_ok[li] = ok;
  workgroupBarrier();
  for (var half = 128u; half > 0u; half >>= 1u) {
    if (li < half) {
      red_loss[li] += red_loss[li + half];
      red_ok[li] += red_ok[li + half];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    accum[0] += red_loss[0];
    accum[1] += red_ok[0];
  }
}`;
  return [makeDispatch(ctx, 'softmax_xent', code, bindings, [1, 1, 1])];
}
