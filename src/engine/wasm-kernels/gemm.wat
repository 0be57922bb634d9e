;; Single-precision GEMM for the wasm backend, C[M x N] (+)= A[M x K] . B[K x N], on the backend's own heap.
;; The usual blocked scheme (GotoBLAS / XNNPACK): A and B are copied into panels the 4x8 register tile
;; reads sequentially, so any operand layout (transposed or not, or an im2col view of an image) costs
;; one cheap pass. Unlike XNNPACK's fully-connected operator it keeps no packed weights between calls,
;; which is what training needs: the weights change every step. gemm.ts drives the loops over K.
;; All pointers are byte offsets into the imported memory; strides are in floats.
(module
  (import "env" "memory" (memory $mem MEMORY_LIMITS))

  ;; Packs rows [0, M) x columns [k0, k0+kc) of A (A[i][k] = src[i*rs + k*cs]) as ceil(M/4) panels of
  ;; kc x 4 floats: panel p, step k holds A[4p..4p+3][k0+k], zero past row M.
  (func (export "packA") (param $src i32) (param $rs i32) (param $cs i32) (param $m i32) (param $k0 i32)
      (param $kc i32) (param $dst i32)
    (local $p i32) (local $panels i32) (local $k i32) (local $base i32) (local $r i32) (local $i i32)
    (local.set $panels (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)))
    (if (i32.and (i32.eq (local.get $rs) (i32.const 1)) (i32.eqz (i32.and (local.get $m) (i32.const 3))))
      (then
        ;; A is column-contiguous (a transposed operand): 4 rows of one column are one vector.
        (loop $panel
          (local.set $k (i32.const 0))
          (loop $step
            (v128.store (local.get $dst)
              (v128.load (i32.add (local.get $src)
                (i32.shl (i32.add (i32.shl (local.get $p) (i32.const 2))
                                  (i32.mul (i32.add (local.get $k0) (local.get $k)) (local.get $cs))) (i32.const 2)))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br_if $step (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc))))
          (br_if $panel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $panels))))
        (return)))
    (loop $panel
      (local.set $k (i32.const 0))
      (loop $step
        (local.set $base (i32.add (local.get $src)
          (i32.shl (i32.mul (i32.add (local.get $k0) (local.get $k)) (local.get $cs)) (i32.const 2))))
        (local.set $r (i32.const 0))
        (loop $row
          (local.set $i (i32.add (i32.shl (local.get $p) (i32.const 2)) (local.get $r)))
          (f32.store (local.get $dst)
            (if (result f32) (i32.lt_u (local.get $i) (local.get $m))
              (then (f32.load (i32.add (local.get $base) (i32.shl (i32.mul (local.get $i) (local.get $rs)) (i32.const 2)))))
              (else (f32.const 0))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br_if $row (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4))))
        (br_if $step (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc))))
      (br_if $panel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $panels)))))

  ;; Packs the transposed im2col matrix of an NHWC image batch as A: row m = (ky*kw + kx)*C + c (the
  ;; filter layout [kh, kw, C, ...]), column k = (b*OH + oy)*OW + ox, zero where the window leaves the
  ;; image (padding). C must be a multiple of 4: 4 channels of one pixel are one vector. Same panel
  ;; layout as packA, for columns [k0, k0+kc).
  (func (export "packIm2colT") (param $x i32) (param $h i32) (param $w i32) (param $c i32)
      (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
      (param $top i32) (param $left i32) (param $oh i32) (param $ow i32)
      (param $k0 i32) (param $kc i32) (param $dst i32)
    (local $k i32) (local $b i32) (local $oy i32) (local $ox i32) (local $rem i32)
    (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32) (local $ci i32) (local $pix i32)
    (local $panelBytes i32) (local $out i32) (local $ok i32)
    (local.set $panelBytes (i32.shl (local.get $kc) (i32.const 4)))
    (loop $step
      ;; column k0+k -> (b, oy, ox)
      (local.set $rem (i32.add (local.get $k0) (local.get $k)))
      (local.set $b (i32.div_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $rem (i32.rem_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $oy (i32.div_u (local.get $rem) (local.get $ow)))
      (local.set $ox (i32.rem_u (local.get $rem) (local.get $ow)))
      ;; panel 0's slot for this column; each further panel is panelBytes on
      (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 4))))
      (local.set $ky (i32.const 0))
      (loop $filterRow
        (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (i32.mul (local.get $ky) (local.get $dh))) (local.get $top)))
        (local.set $kx (i32.const 0))
        (loop $filterCol
          (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (i32.mul (local.get $kx) (local.get $dw))) (local.get $left)))
          (local.set $ok (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w))))
          (local.set $pix (i32.add (local.get $x)
            (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $iy)) (local.get $w)) (local.get $ix)) (local.get $c)) (i32.const 2))))
          (local.set $ci (i32.const 0))
          (loop $channels
            (v128.store (local.get $out)
              (if (result v128) (local.get $ok)
                (then (v128.load (i32.add (local.get $pix) (i32.shl (local.get $ci) (i32.const 2)))))
                (else (v128.const i32x4 0 0 0 0))))
            (local.set $out (i32.add (local.get $out) (local.get $panelBytes)))
            (br_if $channels (i32.lt_u (local.tee $ci (i32.add (local.get $ci) (i32.const 4))) (local.get $c))))
          (br_if $filterCol (i32.lt_u (local.tee $kx (i32.add (local.get $kx) (i32.const 1))) (local.get $kw))))
        (br_if $filterRow (i32.lt_u (local.tee $ky (i32.add (local.get $ky) (i32.const 1))) (local.get $kh))))
      (br_if $step (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc)))))

  ;; Packs rows [k0, k0+kc) x columns [n0, n0+8) of B (B[k][n] = src[k*rs + n*cs]) as kc x 8 floats,
  ;; zero past column N.
  (func $packB (param $src i32) (param $rs i32) (param $cs i32) (param $n i32) (param $k0 i32) (param $kc i32)
      (param $n0 i32) (param $dst i32)
    (local $k i32) (local $base i32) (local $j i32)
    (if (i32.and (i32.eq (local.get $cs) (i32.const 1)) (i32.le_u (i32.add (local.get $n0) (i32.const 8)) (local.get $n)))
      (then
        (local.set $base (i32.add (local.get $src)
          (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $rs)) (local.get $n0)) (i32.const 2))))
        (loop $step
          (v128.store (local.get $dst) (v128.load (local.get $base)))
          (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $base)))
          (local.set $base (i32.add (local.get $base) (i32.shl (local.get $rs) (i32.const 2))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (br_if $step (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc))))
        (return)))
    (loop $step
      (local.set $base (i32.add (local.get $src)
        (i32.shl (i32.mul (i32.add (local.get $k0) (local.get $k)) (local.get $rs)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (loop $col
        (f32.store (local.get $dst)
          (if (result f32) (i32.lt_u (i32.add (local.get $n0) (local.get $j)) (local.get $n))
            (then (f32.load (i32.add (local.get $base)
              (i32.shl (i32.mul (i32.add (local.get $n0) (local.get $j)) (local.get $cs)) (i32.const 2)))))
            (else (f32.const 0))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br_if $col (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 8))))
      (br_if $step (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc)))))

  ;; One column of 4x8 tiles: C[4p..4p+3][0..7] (+)= panel p of A . the packed B panel, p < panels.
  ;; C is row-major with ldc floats per row; acc = 0 overwrites C (the first K block).
  (func $tiles (param $kc i32) (param $pa i32) (param $pb i32) (param $pc i32) (param $ldc i32)
      (param $panels i32) (param $acc i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $a v128) (local $b0 v128) (local $b1 v128)
    (local $p i32) (local $q i32) (local $end i32) (local $t i32) (local $row i32) (local $out i32)
    (local.set $row (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $end (i32.add (local.get $pb) (i32.shl (local.get $kc) (i32.const 5))))
    (local.set $p (local.get $pa))
    (loop $tile
      (local.set $out (i32.add (local.get $pc) (i32.mul (local.get $t) (local.get $row))))
      (if (local.get $acc)
        (then
          (local.set $c0 (v128.load (local.get $out)))
          (local.set $c1 (v128.load offset=16 (local.get $out)))
          (local.set $c2 (v128.load (i32.add (local.get $out) (local.get $row))))
          (local.set $c3 (v128.load offset=16 (i32.add (local.get $out) (local.get $row))))
          (local.set $c4 (v128.load (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 1)))))
          (local.set $c5 (v128.load offset=16 (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 1)))))
          (local.set $c6 (v128.load (i32.add (local.get $out) (i32.mul (local.get $row) (i32.const 3)))))
          (local.set $c7 (v128.load offset=16 (i32.add (local.get $out) (i32.mul (local.get $row) (i32.const 3))))))
        (else
          (local.set $c0 (v128.const i32x4 0 0 0 0)) (local.set $c1 (v128.const i32x4 0 0 0 0))
          (local.set $c2 (v128.const i32x4 0 0 0 0)) (local.set $c3 (v128.const i32x4 0 0 0 0))
          (local.set $c4 (v128.const i32x4 0 0 0 0)) (local.set $c5 (v128.const i32x4 0 0 0 0))
          (local.set $c6 (v128.const i32x4 0 0 0 0)) (local.set $c7 (v128.const i32x4 0 0 0 0))))
      (local.set $q (local.get $pb))
      (loop $k
        (local.set $b0 (v128.load (local.get $q)))
        (local.set $b1 (v128.load offset=16 (local.get $q)))
        (local.set $a (v128.load32_splat (local.get $p)))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=4 (local.get $p)))
        (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=8 (local.get $p)))
        (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=12 (local.get $p)))
        (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $k (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 32))) (local.get $end))))
      (v128.store (local.get $out) (local.get $c0))
      (v128.store offset=16 (local.get $out) (local.get $c1))
      (local.set $out (i32.add (local.get $out) (local.get $row)))
      (v128.store (local.get $out) (local.get $c2))
      (v128.store offset=16 (local.get $out) (local.get $c3))
      (local.set $out (i32.add (local.get $out) (local.get $row)))
      (v128.store (local.get $out) (local.get $c4))
      (v128.store offset=16 (local.get $out) (local.get $c5))
      (local.set $out (i32.add (local.get $out) (local.get $row)))
      (v128.store (local.get $out) (local.get $c6))
      (v128.store offset=16 (local.get $out) (local.get $c7))
      (br_if $tile (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 4))) (i32.shl (local.get $panels) (i32.const 2))))))

  ;; One K block for all columns: C[0..4*panels)[0..Np) (+)= packed A . B[k0..k0+kc)[0..N), where C's
  ;; row stride ldc >= Np = N rounded up to 8. bPack is scratch for one kc x 8 B panel.
  (func (export "block") (param $kc i32) (param $pa i32) (param $panels i32)
      (param $b i32) (param $rs i32) (param $cs i32) (param $n i32) (param $k0 i32)
      (param $bPack i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $n0 i32)
    (loop $col
      (call $packB (local.get $b) (local.get $rs) (local.get $cs) (local.get $n) (local.get $k0) (local.get $kc)
        (local.get $n0) (local.get $bPack))
      (call $tiles (local.get $kc) (local.get $pa) (local.get $bPack)
        (i32.add (local.get $c) (i32.shl (local.get $n0) (i32.const 2))) (local.get $ldc) (local.get $panels) (local.get $acc))
      (br_if $col (i32.lt_u (local.tee $n0 (i32.add (local.get $n0) (i32.const 8))) (local.get $n)))))
)
