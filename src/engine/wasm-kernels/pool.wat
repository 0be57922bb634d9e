;; MaxPoolGrad of a 2x2, stride-2 pooling on NHWC float32 (the models' pooling), four channels per
;; vector: each window's dy goes to its first maximum, like the cpu backend (a NaN never wins: it
;; compares from -Infinity with >). Windows do not overlap, so every input position a window covers
;; is written once (dy or 0); rows/columns no window covers are the caller's to zero.
(module
  (import "env" "memory" (memory $mem MEMORY_LIMITS))

  (func (export "maxPoolGrad2x2") (param $x i32) (param $g i32) (param $dx i32)
      (param $batch i32) (param $h i32) (param $w i32) (param $c i32) (param $oh i32) (param $ow i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $ch i32)
    (local $p00 i32) (local $p01 i32) (local $p10 i32) (local $p11 i32) (local $q i32) (local $row i32)
    (local $a v128) (local $b v128) (local $d v128) (local $e v128) (local $m v128) (local $grad v128)
    (local $sa v128) (local $sb v128) (local $sd v128) (local $se v128) (local $later v128)
    (local.set $row (i32.shl (i32.mul (local.get $w) (local.get $c)) (i32.const 2)))
    (local.set $q (local.get $g))
    (loop $image
      (local.set $oy (i32.const 0))
      (loop $outRow
        (local.set $ox (i32.const 0))
        (loop $outCol
          ;; byte offset of the window's top-left input pixel
          (local.set $p00 (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $h))
            (i32.shl (local.get $oy) (i32.const 1))) (local.get $w)) (i32.shl (local.get $ox) (i32.const 1))) (local.get $c)) (i32.const 2)))
          (local.set $p01 (i32.add (local.get $p00) (i32.shl (local.get $c) (i32.const 2))))
          (local.set $p10 (i32.add (local.get $p00) (local.get $row)))
          (local.set $p11 (i32.add (local.get $p01) (local.get $row)))
          (local.set $ch (i32.const 0))
          (loop $channels
            (local.set $a (v128.load (i32.add (local.get $x) (local.get $p00))))
            (local.set $b (v128.load (i32.add (local.get $x) (local.get $p01))))
            (local.set $d (v128.load (i32.add (local.get $x) (local.get $p10))))
            (local.set $e (v128.load (i32.add (local.get $x) (local.get $p11))))
            (local.set $grad (v128.load (local.get $q)))
            ;; running maximum from -Infinity; s* = "this one is a new maximum"
            (local.set $sa (f32x4.gt (local.get $a) (v128.const f32x4 -inf -inf -inf -inf)))
            (local.set $m (v128.bitselect (local.get $a) (v128.const f32x4 -inf -inf -inf -inf) (local.get $sa)))
            (local.set $sb (f32x4.gt (local.get $b) (local.get $m)))
            (local.set $m (v128.bitselect (local.get $b) (local.get $m) (local.get $sb)))
            (local.set $sd (f32x4.gt (local.get $d) (local.get $m)))
            (local.set $m (v128.bitselect (local.get $d) (local.get $m) (local.get $sd)))
            (local.set $se (f32x4.gt (local.get $e) (local.get $m)))
            ;; the last new maximum wins: e, else d unless e, else b unless d or e, else a
            (v128.store (i32.add (local.get $dx) (local.get $p11)) (v128.and (local.get $grad) (local.get $se)))
            (local.set $later (local.get $se))
            (v128.store (i32.add (local.get $dx) (local.get $p10)) (v128.and (local.get $grad) (v128.andnot (local.get $sd) (local.get $later))))
            (local.set $later (v128.or (local.get $later) (local.get $sd)))
            (v128.store (i32.add (local.get $dx) (local.get $p01)) (v128.and (local.get $grad) (v128.andnot (local.get $sb) (local.get $later))))
            (local.set $later (v128.or (local.get $later) (local.get $sb)))
            (v128.store (i32.add (local.get $dx) (local.get $p00)) (v128.and (local.get $grad) (v128.andnot (local.get $sa) (local.get $later))))
            (local.set $p00 (i32.add (local.get $p00) (i32.const 16)))
            (local.set $p01 (i32.add (local.get $p01) (i32.const 16)))
            (local.set $p10 (i32.add (local.get $p10) (i32.const 16)))
            (local.set $p11 (i32.add (local.get $p11) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br_if $channels (i32.lt_u (local.tee $ch (i32.add (local.get $ch) (i32.const 4))) (local.get $c))))
          (br_if $outCol (i32.lt_u (local.tee $ox (i32.add (local.get $ox) (i32.const 1))) (local.get $ow))))
        (br_if $outRow (i32.lt_u (local.tee $oy (i32.add (local.get $oy) (i32.const 1))) (local.get $oh))))
      (br_if $image (i32.lt_u (local.tee $n (i32.add (local.get $n) (i32.const 1))) (local.get $batch)))))
)
