// Our hand-written wasm kernels (*.wat next to this file) run on the TF.js wasm backend's own heap: each
// module imports the backend's memory, so kernels read and write tensors in place. The text is compiled
// with wabt when the backend starts (prepareWatModules; a kernel whose module is not ready falls back to
// the shipped one), in two variants: plain memory, and the threaded build's shared memory.
import { readFileSync } from 'node:fs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import initWabt from 'wabt';

/** The backend's linear memory (shared on the threaded build), or undefined if not reachable. */
export function memoryOf(backend: BackendWasm): WebAssembly.Memory | undefined {
  const mod = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const mem = mod.asm?.memory ?? mod.wasmMemory;
  return mem instanceof WebAssembly.Memory ? mem : undefined;
}

/** Rewrites a module's text before it is compiled, or leaves it (`applies` false on this machine). */
export interface WatRewrite {
  applies(): boolean;
  rewrite(text: string): string;
}

export class WatModule {
  private readonly text: string;
  /** Whether the rewrite was applied when the module was compiled. */
  rewritten = false;
  private compiled: { plain: WebAssembly.Module; shared: WebAssembly.Module } | undefined;
  private readonly instances = new WeakMap<WebAssembly.Memory, WebAssembly.Instance>();

  /**
   * `file`: a .wat whose memory import reads `(memory $mem MEMORY_LIMITS)`; `parts`: files of further
   * module fields (functions) added to the same module, so that they can call each other; `rewrite`:
   * a variant of the text chosen when the module is compiled (relaxed-simd.ts).
   */
  constructor(private readonly file: URL, parts: URL[] = [], private readonly rewrite?: WatRewrite) {
    const text = readFileSync(file, 'utf8').trimEnd();
    if (!text.endsWith(')')) throw new Error(`${file.pathname} does not end its module with ')'`);
    this.text = [text.slice(0, -1), ...parts.map((p) => readFileSync(p, 'utf8')), ')'].join('\n');
  }

  async prepare(): Promise<void> {
    if (this.compiled !== undefined) return;
    const wabt = await initWabt();
    const rewritten = this.rewrite?.applies() ?? false;
    const text = rewritten && this.rewrite ? this.rewrite.rewrite(this.text) : this.text;
    const compile = (limits: string): WebAssembly.Module => {
      const parsed = wabt.parseWat(this.file.pathname, text.replace('MEMORY_LIMITS', limits), { simd: true, threads: true, relaxed_simd: rewritten });
      try {
        return new WebAssembly.Module(new Uint8Array(parsed.toBinary({}).buffer));
      } finally {
        parsed.destroy();
      }
    };
    // A shared memory import must declare a maximum: 65536 pages (4 GiB) admits any.
    this.compiled = { plain: compile('0'), shared: compile('0 65536 shared') };
    this.rewritten = rewritten;
  }

  /** The compiled module for this memory (plain or shared), or undefined before prepare(). */
  moduleFor(memory: WebAssembly.Memory): WebAssembly.Module | undefined {
    if (this.compiled === undefined) return undefined;
    return memory.buffer instanceof SharedArrayBuffer ? this.compiled.shared : this.compiled.plain;
  }

  /** This module instantiated on the backend's heap (one instance per heap), or undefined if it cannot be. */
  instanceFor(backend: BackendWasm): WebAssembly.Instance | undefined {
    const memory = memoryOf(backend);
    if (memory === undefined) return undefined;
    let instance = this.instances.get(memory);
    if (instance === undefined) {
      const module = this.moduleFor(memory);
      if (module === undefined) return undefined;
      instance = new WebAssembly.Instance(module, { env: { memory } });
      this.instances.set(memory, instance);
    }
    return instance;
  }
}
