// The webgpu backend: TF.js's tfjs-backend-webgpu on a device from Dawn's Node binding (both optional
// packages). We request the adapter and device ourselves (adapter.ts) so we choose and report it, then
// hand the device to TF.js's WebGPUBackend. Our wasm-only pieces (fused Adam, wasm dropout masks, gemm
// kernels) check the active backend and leave webgpu to TF.js's standard ops.
// In Node, dataSync()/arraySync() fail on webgpu tensors (they need OffscreenCanvas): read with `await t.data()`.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendDetails, EngineBackend, GpuAdapterDescription, StartOptions } from '../engine-backend.ts';
import { holdUntilCommandEnds } from '../../held-resources.ts';
import { adapterLabel, findAdapter } from './adapter.ts';
import { DAWN_PACKAGE, DawnMissingError, installNavigatorGpu, type GpuAdapterLike, type GpuDeviceLike } from './dawn.ts';

export const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

type WebGpuBackendClass = new (device: GpuDeviceLike, adapterInfo?: unknown) => tf.KernelBackend;

/** `npm install` line for the two optional packages, at the versions package.json pins. */
export function webgpuInstallHint(): string {
  let pins: Record<string, string> = {};
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { optionalDependencies?: Record<string, string> };
    pins = pkg.optionalDependencies ?? {};
  } catch {
    // a copy without package.json: name the packages without versions
  }
  const spec = (name: string): string => (pins[name] ? `${name}@${pins[name]}` : name);
  return `npm install --save-exact ${spec(DAWN_PACKAGE)} ${spec(TFJS_WEBGPU_PACKAGE)}`;
}

/** The limits tfjs-backend-webgpu's own start-up requests (its base.ts), so big layers fit as they would there. */
const REQUESTED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

async function requestDevice(adapter: GpuAdapterLike): Promise<GpuDeviceLike> {
  const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
  const requiredLimits = Object.fromEntries(REQUESTED_LIMITS.map((k) => [k, adapter.limits[k]]));
  return adapter.requestDevice({ requiredFeatures, requiredLimits });
}

async function importWebGpuBackend(): Promise<WebGpuBackendClass> {
  const spec: string = TFJS_WEBGPU_PACKAGE;
  const module = (await import(spec)) as { WebGPUBackend: WebGpuBackendClass };
  return module.WebGPUBackend;
}

/**
 * The hardware adapter `auto` would take, without starting TF.js (the study's parent process sizes its
 * worker pool with it); undefined when there is none or the optional packages are missing.
 */
export async function probeHardwareAdapter(): Promise<GpuAdapterDescription | undefined> {
  try {
    const found = await findAdapter({ explicit: false });
    return found && !found.description.software ? found.description : undefined;
  } catch {
    return undefined;
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0] : String(e));

export class WebGpuEngine implements EngineBackend {
  readonly name = 'webgpu';
  private device: GpuDeviceLike | undefined;
  private adapter: GpuAdapterDescription | undefined;
  private unhold: (() => void) | undefined;

  async start(o: StartOptions): Promise<string | undefined> {
    let found;
    try {
      found = await findAdapter({ explicit: o.explicit || o.allowSoftwareGpu });
    } catch (e) {
      if (e instanceof DawnMissingError) {
        return `the optional packages ${DAWN_PACKAGE} and ${TFJS_WEBGPU_PACKAGE} are not installed or do not load here (${e.message}): run "${webgpuInstallHint()}"`;
      }
      return `Dawn failed to look for a GPU (${messageOf(e)})`;
    }
    if (!found) {
      return 'no WebGPU adapter found: install your GPU\'s driver (Linux: its Vulkan driver, e.g. mesa-vulkan-drivers for AMD/Intel or NVIDIA\'s; see README "Training on a GPU")';
    }
    if (found.description.software && !o.allowSoftwareGpu) {
      return `the only WebGPU adapter is a software renderer (${adapterLabel(found.description)}), far slower than wasm; pass --allow-software-gpu to use it anyway (tests)`;
    }
    let WebGPUBackend: WebGpuBackendClass;
    try {
      installNavigatorGpu(found.gpu);
      WebGPUBackend = await importWebGpuBackend();
    } catch (e) {
      return `${TFJS_WEBGPU_PACKAGE} is not installed or does not load (${messageOf(e)}): run "${webgpuInstallHint()}"`;
    }
    try {
      this.device = await requestDevice(found.adapter);
    } catch (e) {
      return `the adapter ${adapterLabel(found.description)} refused to create a device (${messageOf(e)})`;
    }
    const device = this.device;
    this.unhold = holdUntilCommandEnds(() => this.close());
    // Replaces the factory tfjs-backend-webgpu registered at import (it would pick its own adapter).
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device, found.adapter.info), 3);
    if (!(await tf.setBackend('webgpu'))) {
      await this.close();
      return `TF.js's webgpu backend failed to start on ${adapterLabel(found.description)}`;
    }
    this.adapter = found.description;
    return undefined;
  }

  async details(): Promise<BackendDetails> {
    return this.adapter ? { gpuAdapter: this.adapter } : {};
  }

  async close(): Promise<void> {
    this.unhold?.();
    this.unhold = undefined;
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    this.device?.destroy();
    this.device = undefined;
  }
}
