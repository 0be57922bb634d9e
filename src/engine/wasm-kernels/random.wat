;; Dropout masks for the wasm backend: mask[i] = scale if u_i >= rate else 0, with u_i in [0, 1) from a
;; counter-based hash of (seed, i) (a Weyl step then Wellons' lowbias32 mixer), four lanes at a time.
;; Counter-based: the mask depends on the seed and the index only, so it is the same in any order.
(module
  (import "env" "memory" (memory $mem MEMORY_LIMITS))

  (func $mix (param $x v128) (result v128)
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32x4.mul (local.get $x) (i32x4.splat (i32.const 0x7feb352d))))
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32x4.mul (local.get $x) (i32x4.splat (i32.const 0x846ca68b))))
    (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))

  ;; dst[0..n) (floats) = mask; threshold = floor(rate * 2^24), compared with the hash's top 24 bits.
  (func (export "dropoutMask") (param $dst i32) (param $n i32) (param $seed i32) (param $threshold i32) (param $scale f32)
    (local $i i32) (local $counter v128) (local $step v128) (local $keep v128) (local $limit v128) (local $bits v128)
    (local.set $counter (i32x4.add (i32x4.splat (local.get $seed))
      (v128.const i32x4 0 0x9e3779b9 0x3c6ef372 0xdaa66d2b)))
    (local.set $step (i32x4.splat (i32.const 0x78dde6e4))) ;; 4 x 0x9e3779b9
    (local.set $keep (f32x4.splat (local.get $scale)))
    (local.set $limit (i32x4.splat (local.get $threshold)))
    (block $done
      (br_if $done (i32.lt_u (local.get $n) (i32.const 4)))
      (loop $vectors
        (local.set $bits (i32x4.shr_u (call $mix (local.get $counter)) (i32.const 8)))
        ;; bits >= threshold (both < 2^24: a signed compare is exact)
        (v128.store (local.get $dst) (v128.and (local.get $keep) (i32x4.ge_s (local.get $bits) (local.get $limit))))
        (local.set $counter (i32x4.add (local.get $counter) (local.get $step)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br_if $vectors (i32.le_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.sub (local.get $n) (i32.const 4))))))
    ;; the last n % 4 values: lane 0 of the counter sequence continues one step at a time
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $bits (i32x4.shr_u (call $mix (local.get $counter)) (i32.const 8)))
        (f32.store (local.get $dst) (f32x4.extract_lane 0 (v128.and (local.get $keep) (i32x4.ge_s (local.get $bits) (local.get $limit)))))
        (local.set $counter (i32x4.add (local.get $counter) (i32x4.splat (i32.const 0x9e3779b9))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))
)
