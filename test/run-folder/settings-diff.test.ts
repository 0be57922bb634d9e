// --resume of a run begun before config.json recorded formatVersion: the version is not a setting.
import { describe, expect, it } from 'vitest';
import { settingsDiff } from '../../src/run-folder/settings-diff.ts';
import { fullConfig } from '../helpers/run-files.ts';

describe('settingsDiff', () => {
  it('ignores formatVersion, so a run begun by an older version resumes', () => {
    const { formatVersion: _v, ...saved } = fullConfig();
    expect(settingsDiff(saved, fullConfig())).toEqual([]);
  });

  it('still names a setting that differs', () => {
    expect(settingsDiff(fullConfig({ labelSmoothing: 0 }), fullConfig({ labelSmoothing: 0.1 }))).toEqual(['labelSmoothing: 0 -> 0.1']);
  });
});
