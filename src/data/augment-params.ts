// The ranges of the study's random affine augmentation (Keras ImageDataGenerator's names): a data-layer
// type, so the engines (wasm, our WebGPU trainer) and the run-folder contract can share it.

export interface AugmentParams {
  /** Max rotation in degrees (Keras rotation_range). */
  rotationRange: number;
  /** Max shift as a fraction of the width / height (Keras width_shift_range / height_shift_range). */
  widthShiftRange: number;
  heightShiftRange: number;
  /**
   * Max shear as a shear FACTOR (0.1 = 10 %, an angle of atan(0.1) ≈ 5.7°): the study's stated intent.
   * Keras's shear_range is in DEGREES, so the study's Keras code (shear_range=0.1) sheared by at most
   * 0.1°, i.e. hardly at all; pass 0.00175 here to reproduce that literally.
   */
  shearRange: number;
  /** Zoom factors drawn independently per axis from [lo, hi] (Keras zoom_range=0.1 → [0.9, 1.1]). */
  zoomRange: [number, number];
}
