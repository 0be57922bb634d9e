import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { confusionSpec, curvesSpec, overlaySpec } from '../../src/report/charts.ts';
import { vegaLiteToSvg } from '../../src/report/render.ts';
import { formatShape, modelToDot, summarizeModel } from '../../src/report/diagram.ts';
import { activationTiles, convLayers, kernelTiles } from '../../src/report/kernels.ts';
import { normalise, tileGridPng } from '../../src/report/png.ts';
import { upgradeHistory } from '../../src/run-folder/upgrade.ts';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

function tinyCnn(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1], useBias: false, activation: 'relu' }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  // filter 0 all -1, filter 1 all +1
  const k = new Float32Array(18);
  for (let i = 0; i < 9; i++) {
    k[i * 2] = -1;
    k[i * 2 + 1] = 1;
  }
  m.layers[0].setWeights([tf.tensor4d(k, [3, 3, 1, 2])]);
  return m;
}

describe('kernels and activations', () => {
  it('normalises filters over the whole layer and keeps filter order', async () => {
    const m = tinyCnn();
    const { tiles, description } = await kernelTiles(convLayers(m)[0]);
    expect(description).toBe('2 filters 3x3');
    expect(Array.from(tiles[0].data)).toEqual(new Array(9).fill(0));
    expect(Array.from(tiles[1].data)).toEqual(new Array(9).fill(1));
    expect((await kernelTiles(convLayers(m)[1])).description).toBe('3 filters 3x3 (input channel 0 of 2)');
  });

  it('computes one activation map per channel of the first two conv layers', async () => {
    const m = tinyCnn();
    const img = new Float32Array(36).fill(0.5);
    const maps = await activationTiles(m, convLayers(m), img, 6, 6);
    expect(maps.map((l) => l.length)).toEqual([2, 3]);
    expect([maps[0][0].height, maps[0][0].width, maps[1][0].height]).toEqual([4, 4, 2]);
    // filter 0 (all -1) through relu is dead: shown black, not grey
    expect(Array.from(maps[0][0].data)).toEqual(new Array(16).fill(0));
  });
});

describe('png grids', () => {
  it('lays tiles out in rows with gaps, scaled by nearest neighbour', () => {
    const png = tileGridPng(
      [
        { data: [0, 1, 1, 0], height: 2, width: 2 },
        { data: [1, 1, 1, 1], height: 2, width: 2 },
        { data: [0, 0, 0, 0], height: 2, width: 2 },
      ],
      { columns: 2, scale: 2, gap: 1, background: 0.5 },
    );
    const img = PNG.sync.read(png);
    expect([img.width, img.height]).toEqual([2 * 4 + 3, 2 * 4 + 3]);
    const at = (x: number, y: number): number => img.data[(y * img.width + x) * 4];
    expect(at(0, 0)).toBe(128); // gap
    expect(at(1, 1)).toBe(0); // tile 0, pixel (0,0)
    expect(at(3, 1)).toBe(255); // tile 0, pixel (0,1) scaled
    expect(at(6, 1)).toBe(255); // tile 1
    expect(at(1, 6)).toBe(0); // tile 2 on the second row
    expect([...normalise([2, 4, 6])]).toEqual([0, 0.5, 1]);
    expect([...normalise([3, 3], 0)]).toEqual([0, 0]);
  });
});

describe('diagrams and chart specs', () => {
  it('summarises layers with Keras-style shapes and parameter counts', () => {
    const s = summarizeModel(tinyCnn());
    expect(s.layers.map((l) => [l.className, l.outputShape, l.params])).toEqual([
      ['InputLayer', '(None, 6, 6, 1)', 0],
      ['Conv2D', '(None, 4, 4, 2)', 18],
      ['Conv2D', '(None, 2, 2, 3)', 57],
      ['Flatten', '(None, 12)', 0],
      ['Dense', '(None, 4)', 52],
    ]);
    expect(s.totalParams).toBe(127);
    const dot = modelToDot('tiny', s);
    expect(dot).toContain('127 parameters');
    expect(dot.match(/->/g)?.length).toBe(4);
    expect(formatShape([null, 3])).toBe('(None, 3)');
  });

  it('puts train and validation of every seed into the curves and counts into the heatmap', () => {
    const h = upgradeHistory({ epoch: [1, 2], loss: [1, 0.5], acc: [0.5, 0.7], val_loss: [1.1, 0.6], val_acc: [0.4, 0.6], lr: [0.1, 0.01], seconds: [1, 1] });
    const spec = curvesSpec('cnn', [{ seed: 1, history: h }, { seed: 2, history: h }], 'test (used as validation ⚠)') as unknown as {
      hconcat: { data: { values: { split: string; value: number }[] } }[];
    };
    const loss = spec.hconcat[0].data.values;
    expect(loss).toHaveLength(8);
    expect(spec.hconcat).toHaveLength(3); // no macro-average panel for runs that did not log them
    const withMacro = { ...h, val_precision: [0.5, 0.6], val_recall: [0.4, 0.6], val_macro_f1: [0.45, 0.6], val_auc: [0.8, 0.9] };
    const full = curvesSpec('cnn', [{ seed: 1, history: withMacro }]) as unknown as typeof spec;
    expect(full.hconcat).toHaveLength(4);
    expect(full.hconcat[3].data.values.filter((p) => p.split === 'AUC (one-vs-rest)').map((p) => p.value)).toEqual([0.8, 0.9]);
    expect(loss.filter((p) => p.split === 'test (used as validation ⚠)').map((p) => p.value)).toEqual([1.1, 0.6, 1.1, 0.6]);
    expect(spec.hconcat[2].data.values.map((p) => p.value)).toEqual([0.1, 0.01, 0.1, 0.01]);
    const heat = confusionSpec('c', [[3, 1], [0, 4]], ['0 お', '1 き']) as unknown as { data: { values: { true: string; predicted: string; count: number; rowShare: number }[] } };
    expect(heat.data.values).toContainEqual({ true: '0 お', predicted: '1 き', count: 1, rowShare: 0.25 });
  });

  it('draws every panel with its own dash patterns, one-epoch runs as points, and the overlay with its legend', async () => {
    const one = upgradeHistory({ epoch: [1], loss: [1], acc: [0.5], val_loss: [1.1], val_acc: [0.4], lr: [0.1], seconds: [1] });
    const withMacro = { ...one, val_precision: [0.5], val_recall: [0.4], val_macro_f1: [0.45], val_auc: [0.8] };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const curves = await vegaLiteToSvg(curvesSpec('cnn', [{ seed: 1, history: withMacro }, { seed: 2, history: withMacro }]));
      const overlay = await vegaLiteToSvg(overlaySpec([{ experiment: 'cnn', histories: [{ seed: 1, history: one }] }, { experiment: 'fcnn', histories: [{ seed: 1, history: one }] }]));
      // vega warns (and merges the patterns) when panels share one strokeDash scale with different domains
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([]);
      expect(curves).toMatch(/<path[^>]*role="graphics-symbol"[^>]*aria-roledescription="point"/); // a 1-epoch line is only points
      expect(overlay).toContain('fcnn'); // the experiments' legend
    } finally {
      warn.mockRestore();
    }
  });
});
