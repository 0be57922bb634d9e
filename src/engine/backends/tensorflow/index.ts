// The tensorflow backend: native TensorFlow through the optional @tensorflow/tfjs-node package.
import * as tf from '@tensorflow/tfjs';
import type { BackendDetails, EngineBackend } from '../engine-backend.ts';

export const TFJS_NODE = '@tensorflow/tfjs-node';

export class TensorflowEngine implements EngineBackend {
  readonly name = 'tensorflow';

  /** Imports tfjs-node if it is installed; a variable specifier keeps it optional for tsc and bundlers. */
  async start(): Promise<string | undefined> {
    let loaded: boolean;
    try {
      const spec: string = TFJS_NODE;
      await import(spec);
      loaded = tf.findBackend('tensorflow') !== null;
    } catch {
      loaded = false; // not installed, or its native library does not load here
    }
    if (!loaded) {
      return (
        `it needs ${TFJS_NODE}, which is not installed: run "npm install ${TFJS_NODE}" ` +
        '(it downloads libtensorflow, so it needs internet)'
      );
    }
    return (await tf.setBackend('tensorflow')) ? undefined : `${TFJS_NODE} failed to start`;
  }

  async details(): Promise<BackendDetails> {
    return {};
  }

  async close(): Promise<void> {}
}
