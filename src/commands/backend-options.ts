// --backend and --allow-software-gpu, one wording for train, predict and evaluate.
import type { Command } from 'commander';
import {
  ALLOW_SOFTWARE_GPU_HELP,
  ALLOW_SOFTWARE_GPU_OPTION,
  BACKEND_CHOICES,
  checkAllowSoftwareGpuApplies,
  type BackendChoice,
} from '../engine/backend-choice.ts';
import { oneOfFlag } from './flags.ts';

export interface BackendFlags {
  backend: string;
  allowSoftwareGpu?: boolean;
}

/** Adds --backend (default auto) and --allow-software-gpu to `cmd`. */
export function addBackendOptions(cmd: Command): Command {
  return cmd
    .option('--backend <name>', `${BACKEND_CHOICES.join(', ')} (auto: a hardware GPU via WebGPU, else tfjs-node, else wasm)`, 'auto')
    .option(ALLOW_SOFTWARE_GPU_OPTION, ALLOW_SOFTWARE_GPU_HELP);
}

/** The checked values of those two flags (a bad --backend, or --allow-software-gpu without a GPU backend, is refused). */
export function parseBackendFlags(flags: BackendFlags): { backend: BackendChoice; allowSoftwareGpu: boolean } {
  const backend = oneOfFlag<BackendChoice>('--backend', flags.backend, BACKEND_CHOICES);
  const allowSoftwareGpu = flags.allowSoftwareGpu === true;
  checkAllowSoftwareGpuApplies(backend, allowSoftwareGpu);
  return { backend, allowSoftwareGpu };
}
