// Finding a WebGPU adapter through Dawn, and telling a real GPU from a software one.
// Routes, in order:
//  1. Dawn's native API for this OS (Vulkan on Linux, Metal on macOS, D3D12 on Windows), 'high-performance'.
//  2. Dawn's OpenGL backend in compatibility mode, headless (EGL_PLATFORM=surfaceless): only when the user
//     asked for webgpu by name. On a stock Debian 12 it reaches Mesa's llvmpipe, the one software adapter
//     Dawn accepts there (Debian 12's Mesa 22.3 lavapipe lacks a Vulkan feature Dawn requires).
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { GpuAdapterDescription } from '../engine-backend.ts';
import { createGpu, type GpuAdapterInfoLike, type GpuAdapterLike, type GpuLike } from './dawn.ts';

export interface FoundAdapter {
  /** The GPU object the adapter came from (it becomes navigator.gpu). */
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  description: GpuAdapterDescription;
}

/** Names CPU implementations of Vulkan/OpenGL/WebGPU give themselves (Mesa llvmpipe/lavapipe/softpipe, SwiftShader, WARP). */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b|software/i;

/** Whether an adapter is a CPU implementation: WebGPU's isFallbackAdapter, or a known software renderer's name. */
export function isSoftwareAdapter(info: GpuAdapterInfoLike): boolean {
  if (info.isFallbackAdapter === true) return true;
  return SOFTWARE_NAMES.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

export function describeAdapter(info: GpuAdapterInfoLike, api: GpuAdapterDescription['api']): GpuAdapterDescription {
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isSoftwareAdapter(info),
    api,
  };
}

/** One line for the console, e.g. "nvidia ampere (NVIDIA GeForce RTX 3080, NVIDIA 550.54)"; drivers may leave any field empty. */
export function adapterLabel(d: GpuAdapterDescription): string {
  const [name = 'an unnamed adapter', ...details] = [[d.vendor, d.architecture].filter((s) => s !== '').join(' '), d.device, d.description].filter((s) => s !== '');
  return `${name}${details.length ? ` (${details.join(', ')})` : ''}${d.api === 'opengl' ? ' via OpenGL' : ''}${d.software ? ', software' : ''}`;
}

/**
 * Whether the Vulkan loader can be found (Linux): without it Dawn's native route has nothing to open (and
 * prints a warning of its own), so it is not tried. Looks where the dynamic linker does:
 * $LD_LIBRARY_PATH, then its cache.
 */
export function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter((d) => d !== '');
  if (dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

async function nativeAdapter(): Promise<FoundAdapter | undefined> {
  const gpu = await createGpu([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { gpu, adapter, description: describeAdapter(adapter.info, 'native') } : undefined;
}

async function openGlAdapter(): Promise<FoundAdapter | undefined> {
  const gpu = await createGpu(['backend=opengl'], { EGL_PLATFORM: 'surfaceless' });
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility', powerPreference: 'high-performance' });
  return adapter ? { gpu, adapter, description: describeAdapter(adapter.info, 'opengl') } : undefined;
}

export interface FindAdapterOptions {
  /** Try the slower routes too (OpenGL): the user asked for webgpu by name. */
  explicit: boolean;
}

/**
 * The best adapter Dawn offers: a hardware one when any route finds one, else a software one, else
 * undefined. The caller decides whether a software adapter is acceptable.
 */
export async function findAdapter(o: FindAdapterOptions): Promise<FoundAdapter | undefined> {
  const native = vulkanLoaderPresent() ? await nativeAdapter() : undefined;
  if (native && !native.description.software) return native;
  if (!o.explicit) return native;
  const gl = await openGlAdapter();
  if (gl && !gl.description.software) return gl;
  return native ?? gl;
}
