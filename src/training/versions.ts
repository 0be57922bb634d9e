// Package versions recorded in every run's config.json.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

function packageVersion(specifier: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL(specifier, import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function runVersions(): Record<string, string> {
  return {
    'kmnist-lab': packageVersion('../../package.json'),
    '@tensorflow/tfjs': tf.version.tfjs,
    '@tensorflow/tfjs-backend-wasm': packageVersion('../../node_modules/@tensorflow/tfjs-backend-wasm/package.json'),
    node: process.versions.node,
  };
}
