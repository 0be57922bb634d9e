// The one interface every TF.js backend of ours sits behind (src/engine/backends/<name>/): initBackend
// (../backend.ts) tries them in order and knows nothing else about any of them.

/** Options every backend receives; each reads what concerns it. */
export interface StartOptions {
  /** wasm: threads for the matrix products. */
  threads: number;
  /** webgpu: accept a software/fallback adapter (llvmpipe, lavapipe, SwiftShader): for tests only. */
  allowSoftwareGpu: boolean;
  /** wasm: start the threaded build even for one thread, so that threads can be added later. */
  growable: boolean;
  /** True when the user asked for this backend by name (not `auto`): it may take slower routes and say more. */
  explicit: boolean;
}

/** What config.json and the console say about the hardware a run used, beyond the backend's name. */
export interface BackendDetails {
  /** wasm only: whether the SIMD binary is in use. */
  wasmSimd?: boolean;
  /** wasm only: threads the matrix products run on. */
  wasmThreads?: number;
  /** wasm only: whether the matrix products use relaxed-SIMD fused multiply-adds (wasm-kernels/relaxed-simd.ts). */
  wasmFma?: boolean;
  /** webgpu only: the adapter in use. */
  gpuAdapter?: GpuAdapterDescription;
}

/** A WebGPU adapter as GPUAdapterInfo describes it (empty strings where the driver says nothing). */
export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (fallback adapter, llvmpipe, lavapipe, SwiftShader): correct but very slow. */
  software: boolean;
  /** How Dawn reached it: its default native API (Vulkan, Metal, D3D12), or OpenGL (compatibility mode). */
  api: 'native' | 'opengl';
}

export interface EngineBackend {
  /** The TF.js backend name it registers and activates. */
  readonly name: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  /**
   * Starts the backend and makes it TF.js's active one. Returns undefined on success, else why it could
   * not start (one line, said to the user when they asked for this backend by name).
   */
  start(options: StartOptions): Promise<string | undefined>;
  /** Facts for config.json and the console; valid after a successful start. */
  details(): Promise<BackendDetails>;
  /** Releases what would keep Node running (a GPU device); the backend is unusable afterwards. */
  close(): Promise<void>;
}
