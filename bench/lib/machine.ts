// What the numbers were measured on: they mean little without the machine, its load and the backend.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { backendInfo, type BackendInfo } from '../../src/engine/backend.ts';

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  /** CPU flags that matter to wasm SIMD/XNNPACK speed (Linux only). */
  cpuFlags: string[];
  totalMemGiB: number;
  node: string;
  platform: string;
  tfjs: string;
  backend: BackendInfo;
  /** 1, 5 and 15 minute load averages when the bench started. */
  loadAvgStart: number[];
  loadAvgEnd?: number[];
}

function cpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    const flags = new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
    return ['avx2', 'fma', 'avx512f'].filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

export const loadAvg = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100);

export async function machineInfo(loadAvgStart: number[]): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    cpuFlags: cpuFlags(),
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: tf.version.tfjs,
    backend: await backendInfo(),
    loadAvgStart,
  };
}
