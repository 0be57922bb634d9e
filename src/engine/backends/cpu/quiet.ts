// TF.js's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js ... install our node
// backend" on its first tensor write in Node (tfjs-backend-cpu 4.22, backend_cpu.js `write`, guarded by the
// instance's `firstUse` field). It advises tfjs-node, which we do not use (engine/backend.ts explains the
// choice); TF.js has no flag for it, so we mark the instance as used before anything writes to it.
import * as tf from '@tensorflow/tfjs';

/** Silences the cpu backend's one-time tfjs-node advice; safe to call any number of times. */
export function silenceNodeBackendAdvice(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}
