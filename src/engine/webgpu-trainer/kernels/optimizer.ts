// The fused optimizer update: one dispatch over the packed parameter buffer, its gradient buffer (same
// layout) and the optimizer's slot buffers (same layout). The learning rate and Adam's beta powers come
// from StepParams each step (beta^t computed on the CPU in float64), so a schedule changes nothing here.
// The formulas follow the project's optimizers operation by operation (src/training/): FusedAdam
// (tf.train.adam's arithmetic), AdamW (decay first, then Adam), KerasAdadelta, tf.train.sgd / momentum.
import type { Slice } from '../arena.ts';
import type { Dispatch, KernelContext } from './kernel.ts';
import { declare, f32, grid1d, makeDispatch, read, rw, stepParams, touch, type Binding } from './wgsl.ts';

export type OptimizerKind = 'adam' | 'adamw' | 'sgd' | 'adadelta';

export interface OptimizerUpdateShape {
  kind: OptimizerKind;
  /** Floats to update (padding between weights is harmless: its gradients are 0). */
  length: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Adadelta's rho. */
  rho: number;
  /** AdamW's decay per unit of learning rate. */
  weightDecay: number;
  /** SGD's momentum (0: plain SGD, no slot); tf.train.momentum's form: a = m·a + g; w -= lr·a. */
  momentum?: number;
}

/** Slots each kind needs, in order: Adam/AdamW [m, v]; Adadelta [accum_grad, accum_var]; SGD [] or [velocity] with momentum. */
export function slotCount(s: Pick<OptimizerUpdateShape, 'kind' | 'momentum'>): number {
  return s.kind === 'sgd' ? ((s.momentum ?? 0) > 0 ? 1 : 0) : 2;
}

function body(s: OptimizerUpdateShape): string {
  const adam = (w: string): string => /* wgsl */ `
  let m = s0[i] * ${f32(s.beta1)} + g * ${f32(1 - s.beta1)};
  let v = s1[i] * ${f32(s.beta2)} + (g * g) * ${f32(1 - s.beta2)};
  s0[i] = m;
  s1[i] = v;
  let den = sqrt(v / (1.0 - sp.beta2Power)) + ${f32(s.epsilon)};
  params[i] = ((m / (1.0 - sp.beta1Power)) / den) * (-sp.lr) + ${w};`;
  switch (s.kind) {
    case 'adam':
      return adam('params[i]');
    case 'adamw':
      return `let decayed = params[i] * (1.0 - sp.lr * ${f32(s.weightDecay)});${adam('decayed')}`;
    case 'sgd':
      return (s.momentum ?? 0) > 0
        ? `let a = s0[i] * ${f32(s.momentum ?? 0)} + g; s0[i] = a; params[i] = params[i] - sp.lr * a;`
        : 'params[i] = params[i] - sp.lr * g;';
    case 'adadelta':
      return /* wgsl */ `
  let ag = s0[i] * ${f32(s.rho)} + (g * g) * ${f32(1 - s.rho)};
  let upd = (sqrt(s1[i] + ${f32(s.epsilon)}) / sqrt(ag + ${f32(s.epsilon)})) * g;
  s0[i] = ag;
  s1[i] = s1[i] * ${f32(s.rho)} + (upd * upd) * ${f32(1 - s.rho)};
  params[i] = params[i] - upd * sp.lr;`;
  }
}

/**
 * Updates params in place from grads, slots as slotCount says (each `length` floats, zero at the start
 * of training): 1 dispatch for every parameter of the model.
 */
export function buildOptimizer(ctx: KernelContext, b: { params: Slice; grads: Slice; slots: readonly Slice[] }, s: OptimizerUpdateShape): Dispatch[] {
  const need = slotCount(s);
  if (b.slots.length < need) throw new Error(`${s.kind}: ${need} slot buffers needed, ${b.slots.length} given`);
  const bindings: Binding[] = [rw('params', b.params), read('grads', b.grads), stepParams(ctx), ...b.slots.slice(0, need).map((slot, k) => rw(`s${k}`, slot))];
  const grid = grid1d(s.length);
  const code = /* wgsl */ `
${declare(bindings)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g3: vec3<u32>) {
  ${touch(bindings)}
  let i = ${grid.index.replace(/g\./g, 'g3.')};
  if (i >= ${s.length}u) { return; }
  let g = grads[i];
  ${body(s)}
}`;
  return [makeDispatch(ctx, `optimizer_${s.kind}`, code, bindings, grid.workgroups)];
}
