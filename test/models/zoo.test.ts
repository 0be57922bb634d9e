import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  EXPERIMENTS,
  buildModel,
  cnnParamCount,
  fcnnParamCount,
  listExperiments,
  matchedCnnOptions,
  matchedFcnnWidths,
  paramCount,
} from '../../src/models/zoo.ts';
import { UserError } from '../../src/errors.ts';

const KMNIST = { height: 28, width: 28, numClasses: 10 };
const within = (a: number, b: number): number => Math.abs(a - b) / b;

describe('model zoo', () => {
  it('lists every experiment of the study and the additions', () => {
    expect(listExperiments().map((e) => e.name).sort()).toEqual(
      ['cnn', 'cnn-aug', 'cnn-matched', 'cnn-modern', 'cnn-no-pool', 'fcnn', 'fcnn-aug', 'fcnn-matched', 'keras-cnn', 'knn'].sort(),
    );
    expect(EXPERIMENTS['cnn-modern']).toMatchObject({ augment: true, preset: 'modern' });
    expect(EXPERIMENTS['cnn-aug'].augment).toBe(true);
    expect(EXPERIMENTS['fcnn-aug'].augment).toBe(true);
    expect(EXPERIMENTS.cnn.augment).toBe(false);
    expect(EXPERIMENTS['keras-cnn'].preset).toBe('keras-benchmark');
  });

  it("builds the study's cnn and fcnn with the published layer stacks and counts", () => {
    const cnn = buildModel('cnn', KMNIST);
    expect(cnn.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'Conv2D', 'MaxPooling2D', 'Dropout', 'Flatten', 'Dense', 'Dropout', 'Dense']);
    expect(cnn.countParams()).toBe(1_199_882);
    const fcnn = buildModel('fcnn', KMNIST);
    expect(fcnn.layers.map((l) => l.getClassName())).toEqual(['Flatten', 'Dense', 'Dropout', 'Dense', 'Dropout', 'Dense', 'Dropout', 'Dense']);
    expect(fcnn.countParams()).toBe(567_434);
    const noPool = buildModel('cnn-no-pool', KMNIST);
    expect(noPool.layers.some((l) => l.getClassName() === 'MaxPooling2D')).toBe(false);
    for (const m of [cnn, fcnn, noPool]) m.dispose();
  });

  it('builds cnn-modern: three stages of conv-BN-ReLU pairs, global average pooling, 3x3 convs with channels in fours', () => {
    const m = buildModel('cnn-modern', KMNIST);
    const block = ['Conv2D', 'BatchNormalization', 'Activation'];
    expect(m.layers.map((l) => l.getClassName())).toEqual([
      ...block, ...block, 'MaxPooling2D', 'Dropout',
      ...block, ...block, 'MaxPooling2D', 'Dropout',
      ...block, ...block, 'GlobalAveragePooling2D', 'Dropout', 'Dense',
    ]);
    for (const l of m.layers.filter((x) => x.getClassName() === 'Conv2D')) {
      const c = l.getConfig();
      expect([c.kernelSize, c.strides, c.padding, c.useBias]).toEqual([[3, 3], [1, 1], 'same', false]);
      expect((c.filters as number) % 4).toBe(0);
    }
    expect(m.countParams()).toBe(289_066);
    m.dispose();
  });

  it('computes parameter counts that equal the built models, for several inputs', () => {
    for (const input of [KMNIST, { height: 28, width: 28, numClasses: 49 }, { height: 12, width: 10, numClasses: 3 }]) {
      for (const e of listExperiments()) {
        if (e.kind !== 'layers') continue;
        const m = buildModel(e.name, input);
        expect(paramCount(e.name, input), `${e.name} ${input.height}x${input.width}/${input.numClasses}`).toBe(m.countParams());
        expect(m.outputs[0].shape).toEqual([null, input.numClasses]);
        m.dispose();
      }
    }
  });

  it('matches parameter counts within 2% both ways (kmnist, k49, kkanji-sized and tiny inputs)', () => {
    const inputs = [KMNIST, { height: 28, width: 28, numClasses: 49 }, { height: 64, width: 64, numClasses: 3832 }, { height: 12, width: 12, numClasses: 4 }];
    for (const input of inputs) {
      const fm = fcnnParamCount(input, matchedFcnnWidths(input));
      const cm = cnnParamCount(input, matchedCnnOptions(input));
      expect(within(fm, cnnParamCount(input)), `fcnn-matched ${JSON.stringify(input)}`).toBeLessThanOrEqual(0.02);
      expect(within(cm, fcnnParamCount(input)), `cnn-matched ${JSON.stringify(input)}`).toBeLessThanOrEqual(0.02);
      expect(paramCount('fcnn-matched', input)).toBe(fm);
      expect(paramCount('cnn-matched', input)).toBe(cm);
    }
    // The kmnist pair keeps the study's shapes: 4w-2w-w, and conv 32/64 with a narrower dense layer.
    expect(matchedFcnnWidths(KMNIST)).toEqual([892, 446, 223]);
    expect(matchedCnnOptions(KMNIST)).toEqual({ filters: [32, 64], dense: 59, pool: true });
  });

  it('rejects unknown experiments and building knn with a UserError', () => {
    expect(() => buildModel('resnet', KMNIST)).toThrow(UserError);
    expect(() => buildModel('resnet', KMNIST)).toThrow(/unknown experiment "resnet"/);
    expect(() => buildModel('knn', KMNIST)).toThrow(/no layers model/);
    expect(paramCount('knn', KMNIST)).toBe(0);
  });

  it('builds with tfjs layers only (models save and load in a browser)', () => {
    const m = buildModel('cnn-matched', KMNIST);
    const json = m.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } };
    for (const l of json.config.layers) expect(Object.keys(tf.serialization.SerializationMap.getMap().classNameMap)).toContain(l.class_name);
    m.dispose();
  });
});
