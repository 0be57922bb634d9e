// Shared plumbing of the kernel builders: bindings declared from one list (so the WGSL declarations,
// the bind group entries and the "touch" lines that keep layout 'auto' from dropping an unused binding
// all agree), pipelines cached by source, and 1-D grids wider than 65,535 workgroups.
import type { Slice } from '../arena.ts';
import { STEP_PARAMS_BYTES, STEP_PARAMS_WGSL, type Dispatch, type KernelContext } from './kernel.ts';

/** One binding of a kernel, at group 0, binding = its index in the list. */
export interface Binding {
  /** The WGSL variable name. */
  readonly name: string;
  readonly slice: Slice;
  /** 'read' / 'rw': storage array of `elem`; 'uniform': the StepParams struct. */
  readonly kind: 'read' | 'rw' | 'uniform';
  readonly elem?: 'f32' | 'u32';
}

/** The StepParams uniform, bound as `sp`. */
export const stepParams = (ctx: KernelContext): Binding => ({ name: 'sp', kind: 'uniform', slice: { buffer: ctx.stepParams, offset: 0, size: STEP_PARAMS_BYTES } });

export const read = (name: string, slice: Slice, elem: 'f32' | 'u32' = 'f32'): Binding => ({ name, slice, kind: 'read', elem });
export const rw = (name: string, slice: Slice, elem: 'f32' | 'u32' = 'f32'): Binding => ({ name, slice, kind: 'rw', elem });

/** WGSL declarations of `bindings` (and StepParams' struct when one is a uniform). */
export function declare(bindings: readonly Binding[]): string {
  const lines = bindings.map((b, i) =>
    b.kind === 'uniform'
      ? `@group(0) @binding(${i}) var<uniform> ${b.name}: StepParams;`
      : `@group(0) @binding(${i}) var<storage, ${b.kind === 'rw' ? 'read_write' : 'read'}> ${b.name}: array<${b.elem ?? 'f32'}>;`,
  );
  return (bindings.some((b) => b.kind === 'uniform') ? STEP_PARAMS_WGSL : '') + lines.join('\n');
}

/** Statements that statically use every binding (layout 'auto' omits unused ones, then the bind group fails). */
export function touch(bindings: readonly Binding[]): string {
  return bindings.map((b) => (b.kind === 'uniform' ? `_ = ${b.name}.count;` : `_ = arrayLength(&${b.name});`)).join(' ');
}

/** WGSL float literal. */
export const f32 = (v: number): string => {
  if (!Number.isFinite(v)) throw new Error(`not a finite float: ${v}`);
  const s = String(Math.fround(v) === v ? v : Math.fround(v));
  return /[.eE]/.test(s) ? s : `${s}.0`;
};

/** The compute pipeline for `code` (entry point main), shared through ctx.pipelines by source. */
export function pipelineFor(ctx: KernelContext, code: string, label: string): GPUComputePipeline {
  let p = ctx.pipelines.get(code);
  if (!p) {
    p = ctx.device.createComputePipeline({ label, layout: 'auto', compute: { module: ctx.device.createShaderModule({ label, code }), entryPoint: 'main' } });
    ctx.pipelines.set(code, p);
  }
  return p;
}

/** A dispatch of `code` with `bindings` bound once. */
export function makeDispatch(ctx: KernelContext, label: string, code: string, bindings: readonly Binding[], workgroups: readonly [number, number, number]): Dispatch {
  const pipeline = pipelineFor(ctx, code, label.split(' ')[0]);
  const bindGroup = ctx.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: bindings.map((b, i) => ({ binding: i, resource: { buffer: b.slice.buffer, offset: b.slice.offset, size: b.slice.size } })),
  });
  return { label, pipeline, bindGroup, workgroups: [workgroups[0], workgroups[1], workgroups[2]] };
}

/** Largest workgroup count per grid dimension WebGPU guarantees. */
const MAX_GROUPS = 65535;

/**
 * A 1-D grid of `n` threads in workgroups of `size`: the workgroups (x, y) and the WGSL expression of
 * the flat index from `g` (global_invocation_id), e.g. for n beyond 65,535 · 256.
 */
export function grid1d(n: number, size = 256): { workgroups: [number, number, number]; index: string } {
  const groups = Math.max(1, Math.ceil(n / size));
  const x = Math.min(groups, MAX_GROUPS);
  const y = Math.ceil(groups / x);
  return { workgroups: [x, y, 1], index: y > 1 ? `(g.x + g.y * ${x * size}u)` : 'g.x' };
}

/** A buffer for a kernel's own scratch: through ctx.storage when the engine offers it (owned by its arena). */
export function scratch(ctx: KernelContext, label: string, bytes: number): Slice {
  const size = Math.ceil(Math.max(bytes, 4) / 4) * 4;
  const buffer = ctx.storage ? ctx.storage(label, size) : ctx.device.createBuffer({ label, size, usage: 0x80 | 0x04 | 0x08 });
  return { buffer, offset: 0, size };
}
