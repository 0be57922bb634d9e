// Dawn's Node binding (the optional `webgpu` package): creates a GPU object and installs what TF.js's
// webgpu backend expects of a browser, i.e. the WebGPU globals (GPUBufferUsage, GPUMapMode, ...) and
// navigator.gpu. tfjs-backend-webgpu registers itself at import time only if navigator.gpu exists, so
// this runs before that import. Node 21+ has a read-only globalThis.navigator: Object.defineProperty
// works on Node 20 and later alike.

/** The part of WebGPU's GPU/GPUAdapter/GPUDevice this module and adapter.ts use. */
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface GpuDeviceLike {
  destroy(): void;
  readonly features: ReadonlySet<string>;
}

export interface GpuAdapterLike {
  readonly info: GpuAdapterInfoLike;
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power'; featureLevel?: 'core' | 'compatibility'; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export const DAWN_PACKAGE = 'webgpu';

/** Thrown when the optional `webgpu` package is not installed (or its binary does not load here). */
export class DawnMissingError extends Error {}

let dawn: DawnModule | undefined;

/** Imports `webgpu` (a variable specifier keeps it optional for tsc and bundlers) and installs its globals once. */
async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  try {
    const spec: string = DAWN_PACKAGE;
    dawn = (await import(spec)) as DawnModule;
  } catch (e) {
    throw new DawnMissingError(e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  return dawn;
}

/**
 * A GPU object from Dawn. `flags` are Dawn's own (e.g. `backend=opengl`); `env` is set in this process's
 * environment first (Dawn reads e.g. EGL_PLATFORM when it opens a backend).
 */
export async function createGpu(flags: string[] = [], env: Record<string, string> = {}): Promise<GpuLike> {
  const module = await loadDawn();
  for (const [name, value] of Object.entries(env)) process.env[name] ??= value;
  return module.create(flags);
}

/** Makes `gpu` navigator.gpu, as in a browser (before tfjs-backend-webgpu is imported). */
export function installNavigatorGpu(gpu: GpuLike): void {
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing !== undefined) {
    Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}
