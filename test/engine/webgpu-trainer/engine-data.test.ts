// The engine's data kernels on this machine's WebGPU adapter (CI: llvmpipe through Dawn's OpenGL backend):
// the batch gather, /255 scaling and one-hot agree exactly with batches.ts, the in-shader augmentation with
// augment.ts's warp given the same draws, and the counter-based RNG with its JS twin.
import { describe, expect, it } from 'vitest';
import { activeWebGpuDevice } from '../../../src/engine/backends/webgpu/device.ts';
import { initBackend } from '../../../src/engine/backend.ts';
import { UserError } from '../../../src/errors.ts';
import { AUGMENT_STREAM, buildBatch } from '../../../src/engine/webgpu-trainer/data/batch.ts';
import { uploadDataset, writeOrder } from '../../../src/engine/webgpu-trainer/data/dataset.ts';
import { rngUnit } from '../../../src/engine/webgpu-trainer/data/rng-wgsl.ts';
import { TrainerContext } from '../../../src/engine/webgpu-trainer/context.ts';
import { Reader } from '../../../src/engine/webgpu-trainer/readback.ts';
import { recordStep } from '../../../src/engine/webgpu-trainer/recorder.ts';
import type { AugmentParams } from '../../../src/data/augment-params.ts';
import { affineFor, applyAffine, STUDY_AUGMENT, type TransformDraw } from '../../../src/training/augment.ts';
import { batchPixels } from '../../../src/training/batches.ts';
import { Rng } from '../../../src/training/rng.ts';

async function deviceOrWhy(): Promise<GPUDevice | string> {
  try {
    await initBackend('webgpu', { allowSoftwareGpu: true });
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
  return activeWebGpuDevice() ?? 'webgpu started but its device is not reachable';
}

const device = await deviceOrWhy();
if (typeof device === 'string') console.warn(`skipped: the webgpu-trainer data tests need a WebGPU adapter (${device})`);

const H = 7;
const W = 5;
const COUNT = 23;
const CLASSES = 4;
const BATCH = 8;

function set(): { images: Uint8Array; labels: Int32Array; count: number; height: number; width: number } {
  const rng = new Rng(5);
  return {
    images: Uint8Array.from({ length: COUNT * H * W }, () => rng.nextUint32() & 255),
    labels: Int32Array.from({ length: COUNT }, (_, i) => (i * 3) % CLASSES),
    count: COUNT,
    height: H,
    width: W,
  };
}

/** Runs the batch kernel for rows order[offset..offset+count) and reads x, y, labels. */
async function runBatch(dev: GPUDevice, augment: AugmentParams | null, order: Int32Array, offset: number, count: number, seed: number) {
  const ctx = new TrainerContext(dev);
  try {
    const data = uploadDataset(ctx, set(), order.length);
    writeOrder(ctx, data, order);
    const packed = ctx.arena.packed('batch', [BATCH * H * W * 4, BATCH * CLASSES * 4, BATCH * 4]);
    const [x, y, labels] = packed.slices;
    const dispatches = buildBatch(ctx, data, { x, y, labels }, { batch: BATCH, classes: CLASSES, augment });
    ctx.writeStep({ lr: 0, step: 1, count, seed, beta1Power: 1, beta2Power: 1, training: true, orderOffset: offset });
    ctx.device.queue.submit([recordStep(ctx.device, ctx.counters, [dispatches])]);
    const reader = new Reader(ctx, 'test', packed.buffer.size);
    return { x: await reader.readF32(x), y: await reader.readF32(y), labels: new Uint32Array(await reader.read([labels])) };
  } finally {
    ctx.destroy();
  }
}

describe.skipIf(typeof device === 'string')('webgpu-trainer data kernels', { timeout: 300_000 }, () => {
  const dev = device as GPUDevice;
  const order = new Rng(9).permutation(COUNT);

  it('gathers by the order, scales by 1/255, one-hot labels, zeroes rows past the count', async () => {
    const count = 6;
    const offset = 16;
    const got = await runBatch(dev, null, order, offset, count, 1);
    const idx = order.subarray(offset, offset + count);
    const want = batchPixels(set(), idx);
    // WGSL division is not correctly rounded (2.5 ulp): within 1e-6 of the float64-then-float32 value.
    for (let i = 0; i < want.length; i++) expect(Math.abs(got.x[i] - want[i])).toBeLessThan(1e-6);
    for (let i = want.length; i < BATCH * H * W; i++) expect(got.x[i]).toBe(0);
    const labels = set().labels;
    for (let r = 0; r < BATCH; r++) {
      for (let c = 0; c < CLASSES; c++) expect(got.y[r * CLASSES + c]).toBe(r < count && labels[idx[r]] === c ? 1 : 0);
      expect(got.labels[r]).toBe(r < count ? labels[idx[r]] : 0xffffffff);
    }
  });

  it("warps each row by its own draw from the counter-based RNG, as augment.ts's applyAffine does", async () => {
    const seed = 1234567;
    const got = await runBatch(dev, STUDY_AUGMENT, order, 0, BATCH, seed);
    const images = set().images;
    const a = STUDY_AUGMENT;
    let differs = 0;
    for (let r = 0; r < BATCH; r++) {
      const u = (k: number, lo: number, hi: number): number => lo + (hi - lo) * rngUnit(seed, AUGMENT_STREAM, r * 8 + k);
      const draw: TransformDraw = {
        thetaDeg: u(0, -a.rotationRange, a.rotationRange),
        tx: u(1, -a.heightShiftRange, a.heightShiftRange) * H,
        ty: u(2, -a.widthShiftRange, a.widthShiftRange) * W,
        shear: u(3, -a.shearRange, a.shearRange),
        zx: u(4, a.zoomRange[0], a.zoomRange[1]),
        zy: u(5, a.zoomRange[0], a.zoomRange[1]),
      };
      const want = new Float32Array(H * W);
      applyAffine(images, order[r] * H * W, H, W, affineFor(draw, H, W), want, 0, 1 / 255);
      const plain = batchPixels(set(), [order[r]]);
      for (let i = 0; i < H * W; i++) {
        expect(Math.abs(got.x[r * H * W + i] - want[i]), `row ${r} pixel ${i}`).toBeLessThan(2e-3);
        if (Math.abs(want[i] - plain[i]) > 1e-3) differs++;
      }
    }
    expect(differs).toBeGreaterThan(BATCH * 4); // the warp did move pixels
  });
});
