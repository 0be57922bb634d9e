// Telling software adapters from GPUs, the console line, and `run`'s --jobs default: no GPU needed.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultJobs, RUNS_PER_GPU } from '../../src/engine/backend.ts';
import { adapterLabel, describeAdapter, isSoftwareAdapter } from '../../src/engine/backends/webgpu/adapter.ts';

describe('WebGPU adapters', () => {
  it('calls CPU renderers software and real GPUs hardware', () => {
    // What Dawn reports for Mesa's llvmpipe through OpenGL, lavapipe through Vulkan, and SwiftShader.
    expect(isSoftwareAdapter({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 19.1.7, 256 bits)', description: 'Mesa 25.0.7' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: '', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 570.86' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M2' })).toBe(false);
  });

  it('names the adapter in one line, leaving out what the driver does not say', () => {
    expect(adapterLabel(describeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 570.86' }, 'native'))).toBe(
      'nvidia hopper (NVIDIA H200, NVIDIA: 570.86)',
    );
    expect(adapterLabel(describeAdapter({ device: 'llvmpipe', description: 'Mesa 22.3.6' }, 'opengl'))).toBe('llvmpipe (Mesa 22.3.6) via OpenGL, software');
    expect(adapterLabel(describeAdapter({}, 'native'))).toBe('an unnamed adapter');
  });

  it(`run's --jobs default: ${RUNS_PER_GPU} runs on a GPU, one per core otherwise`, async () => {
    expect((await defaultJobs('wasm')).jobs).toBe(availableParallelism());
    const gpu = await defaultJobs('webgpu');
    expect(gpu.jobs).toBe(Math.min(availableParallelism(), RUNS_PER_GPU));
    expect(gpu.why).toMatch(/not measured/);
  });
});
