// Counts what the engine asks of WebGPU (buffers, bind groups, pipelines, submits, writes), so the bench and
// the tests can check that a training step allocates nothing: the device handed to kernels and the arena is
// a Proxy that counts calls and forwards them to the real device.

/** Running totals since the device was wrapped; read differences around a step. */
export interface GpuCounters {
  buffers: number;
  bindGroups: number;
  pipelines: number;
  submits: number;
  writeBuffers: number;
  /** Counted by the recorder (dispatchWorkgroups is a pass method, not the device's). */
  dispatches: number;
}

export function zeroCounters(): GpuCounters {
  return { buffers: 0, bindGroups: 0, pipelines: 0, submits: 0, writeBuffers: 0, dispatches: 0 };
}

/** `after - before`, field by field. */
export function countersSince(before: GpuCounters, after: GpuCounters): GpuCounters {
  return {
    buffers: after.buffers - before.buffers,
    bindGroups: after.bindGroups - before.bindGroups,
    pipelines: after.pipelines - before.pipelines,
    submits: after.submits - before.submits,
    writeBuffers: after.writeBuffers - before.writeBuffers,
    dispatches: after.dispatches - before.dispatches,
  };
}

/** Forwards every property of `target`, binding methods to it, with `hooks` called before the named ones. */
function forwarding<T extends object>(target: T, hooks: Record<string, () => void>, children: Record<string, object> = {}): T {
  return new Proxy(target, {
    get(t, key) {
      if (typeof key === 'string' && key in children) return children[key];
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value !== 'function') return value;
      const hook = typeof key === 'string' ? hooks[key] : undefined;
      return (...args: unknown[]): unknown => {
        hook?.();
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

/** A device whose creations and queue calls add to `counters`. Objects it creates are the real ones. */
export function countingDevice(device: GPUDevice, counters: GpuCounters): GPUDevice {
  const queue = forwarding(device.queue, {
    submit: () => counters.submits++,
    writeBuffer: () => counters.writeBuffers++,
  });
  return forwarding(
    device,
    {
      createBuffer: () => counters.buffers++,
      createBindGroup: () => counters.bindGroups++,
      createComputePipeline: () => counters.pipelines++,
      createComputePipelineAsync: () => counters.pipelines++,
    },
    { queue },
  );
}
