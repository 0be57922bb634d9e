// The cpu backend: TF.js's plain JavaScript kernels; always available, the reference the others are tested against.
import * as tf from '@tensorflow/tfjs';
import type { BackendDetails, EngineBackend } from '../engine-backend.ts';
import { silenceNodeBackendAdvice } from './quiet.ts';

export class CpuEngine implements EngineBackend {
  readonly name = 'cpu';

  async start(): Promise<string | undefined> {
    silenceNodeBackendAdvice();
    return (await tf.setBackend('cpu')) ? undefined : 'the TF.js cpu backend failed to start';
  }

  async details(): Promise<BackendDetails> {
    return {};
  }

  async close(): Promise<void> {}
}
