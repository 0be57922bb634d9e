// The contract between the WebGPU training engine's kernels (this folder) and the engine that records
// them (../): a kernel is built once, when the model is compiled, with its buffers bound and its shapes
// baked into the WGSL source; recording a training step only replays its dispatches, so a step creates
// no buffer, bind group or pipeline.

/** One compute dispatch, ready to record: pipeline and bind group made once, at compile time. */
export interface Dispatch {
  /** For counting and profiles, e.g. 'conv2d_fwd conv2d_1'. */
  readonly label: string;
  readonly pipeline: GPUComputePipeline;
  /** Bound at group 0. */
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
}

/** What every kernel builder receives. */
export interface KernelContext {
  readonly device: GPUDevice;
  /**
   * The engine's per-step parameters, a uniform buffer written once per step (one writeBuffer, never
   * re-created); WGSL layout `StepParams` below. Kernels that need the batch's row count, the learning
   * rate, the step number or the RNG seed bind it.
   */
  readonly stepParams: GPUBuffer;
  /** Pipelines by WGSL source, so that layers of the same shape share one. */
  readonly pipelines: Map<string, GPUComputePipeline>;
  /**
   * Optional: a storage buffer (read/write, copyable both ways) of `bytes` owned and freed by the engine,
   * for a kernel's own scratch (e.g. split-K partial sums), made at build time only. Without it a kernel
   * creates the buffer on the device itself (freed with the device).
   */
  readonly storage?: (label: string, bytes: number) => GPUBuffer;
}

/** The WGSL declaration of the step parameters uniform (16-byte aligned, 32 bytes). */
export const STEP_PARAMS_WGSL = /* wgsl */ `
struct StepParams {
  lr: f32,          // learning rate of this update
  step: u32,        // 1-based optimizer step (Adam's t)
  count: u32,       // rows in this batch (<= the compiled batch size; rows >= count are ignored)
  seed: u32,        // RNG seed of this step (dropout masks, augmentation), from the run's RNG
  beta1Power: f32,  // beta1^step, computed on the CPU in float64
  beta2Power: f32,  // beta2^step
  training: u32,    // 1 in a training step, 0 in inference (dropout off, batch norm uses moving stats)
  _pad: u32,
}
`;

/** Byte size of StepParams. */
export const STEP_PARAMS_BYTES = 32;
