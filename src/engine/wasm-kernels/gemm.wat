;; Single-precision GEMM for the wasm backend, C[M x N] (+)= A[M x K] . B[K x N], on the backend's own heap.
;; The usual blocked scheme (GotoBLAS / XNNPACK): A and B are copied into panels the 4x8 register tile
;; reads sequentially, so any operand layout (transposed or not, or an im2col view of an image) costs
;; one cheap pass. Unlike XNNPACK's fully-connected operator it keeps no packed weights between calls,
;; which is what training needs: the weights change every step. gemm.ts drives the loops over K.
;; All pointers are byte offsets into the imported memory; strides are in floats. `run` takes one job
;; descriptor (see below), so gemm.ts can hand disjoint column ranges of one product to worker threads.
(module
  (import "env" "memory" (memory $mem MEMORY_LIMITS))

  ;; Packs rows [0, M) x columns [k0, k0+kc) of A (A[i][k] = src[i*rs + k*cs]) as ceil(M/4) panels of
  ;; kc x 4 floats: panel p, step k holds A[4p..4p+3][k0+k], zero past row M.
  (func $packA (param $src i32) (param $rs i32) (param $cs i32) (param $m i32) (param $k0 i32)
      (param $kc i32) (param $dst i32)
    (local $p i32) (local $panels i32) (local $k i32) (local $base i32) (local $r i32) (local $i i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128)
    (local.set $panels (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)))
    (if (i32.and (i32.eq (local.get $cs) (i32.const 1))
          (i32.eqz (i32.and (i32.or (local.get $m) (local.get $kc)) (i32.const 3))))
      (then
        ;; A is row-contiguous (a plain row-major operand): 4 steps of 4 rows are 4 vectors, transposed 4x4.
        (loop $panel4
          (local.set $base (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (i32.shl (local.get $p) (i32.const 2)) (local.get $rs)) (local.get $k0)) (i32.const 2))))
          (local.set $k (i32.const 0))
          (loop $step4
            (local.set $v0 (v128.load (local.get $base)))
            (local.set $v1 (v128.load (i32.add (local.get $base) (i32.shl (local.get $rs) (i32.const 2)))))
            (local.set $v2 (v128.load (i32.add (local.get $base) (i32.shl (local.get $rs) (i32.const 3)))))
            (local.set $v3 (v128.load (i32.add (local.get $base) (i32.mul (local.get $rs) (i32.const 12)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
            (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
            (local.set $t0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
            (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
            (local.set $base (i32.add (local.get $base) (i32.const 16)))
            (br_if $step4 (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4))) (local.get $kc))))
          (br_if $panel4 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $panels))))
        (return)))
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

  ;; An image batch x [batch, h, w, c] (NHWC) seen through a convolution's windows gives the im2col matrix:
  ;; row i = output pixel (b, oy, ox) = (b*oh + oy)*ow + ox, column k = (ky*kw + kx)*c + ch (the filter
  ;; layout [kh, kw, c, ...]), zero where the window leaves the image (padding). c must be a multiple of 4
  ;; so that 4 channels of a pixel are one vector. Both packers fill the packA panel layout.

  ;; Packs rows [m0, m0+m) (m a multiple of 4) of the *transposed* im2col matrix, columns [k0, k0+kc):
  ;; the A of a filter gradient, dW = im2col(x)^T . dy.
  (func $packIm2colT (param $x i32) (param $h i32) (param $w i32) (param $c i32)
      (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
      (param $top i32) (param $left i32) (param $oh i32) (param $ow i32) (param $m0 i32) (param $m i32)
      (param $k0 i32) (param $kc i32) (param $dst i32)
    (local $k i32) (local $b i32) (local $oy i32) (local $ox i32) (local $rem i32)
    (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32) (local $c0 i32) (local $p i32)
    (local $panelBytes i32) (local $out i32)
    (local.set $panelBytes (i32.shl (local.get $kc) (i32.const 4)))
    (loop $step
      ;; column k0+k -> (b, oy, ox)
      (local.set $rem (i32.add (local.get $k0) (local.get $k)))
      (local.set $b (i32.div_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $rem (i32.rem_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $oy (i32.div_u (local.get $rem) (local.get $ow)))
      (local.set $ox (i32.rem_u (local.get $rem) (local.get $ow)))
      ;; row m0 -> (ky, kx, c0); each panel is the next 4 rows
      (local.set $c0 (i32.rem_u (local.get $m0) (local.get $c)))
      (local.set $kx (i32.rem_u (i32.div_u (local.get $m0) (local.get $c)) (local.get $kw)))
      (local.set $ky (i32.div_u (i32.div_u (local.get $m0) (local.get $c)) (local.get $kw)))
      (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 4))))
      (local.set $p (i32.const 0))
      (loop $panel
        (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (i32.mul (local.get $ky) (local.get $dh))) (local.get $top)))
        (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (i32.mul (local.get $kx) (local.get $dw))) (local.get $left)))
        (v128.store (local.get $out)
          (if (result v128) (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w)))
            (then (v128.load (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $iy)) (local.get $w)) (local.get $ix)) (local.get $c)) (local.get $c0)) (i32.const 2)))))
            (else (v128.const i32x4 0 0 0 0))))
        (local.set $out (i32.add (local.get $out) (local.get $panelBytes)))
        (if (i32.eq (local.tee $c0 (i32.add (local.get $c0) (i32.const 4))) (local.get $c))
          (then
            (local.set $c0 (i32.const 0))
            (if (i32.eq (local.tee $kx (i32.add (local.get $kx) (i32.const 1))) (local.get $kw))
              (then (local.set $kx (i32.const 0)) (local.set $ky (i32.add (local.get $ky) (i32.const 1)))))))
        (br_if $panel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $m))))
      (br_if $step (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc)))))

  ;; Packs rows [m0, m0+m) (of `rows` in all) of the im2col matrix, columns [k0, k0+kc) (k0 and kc
  ;; multiples of 4): the A of a convolution, y = im2col(x) . W. Per panel and 4 columns: one vector per
  ;; pixel (4 channels), transposed 4x4 into one vector per column. A panel whose 4 windows lie inside
  ;; the image (all of them without padding) reads x at base + offset, with no bounds checks.
  (func $packIm2col (param $x i32) (param $h i32) (param $w i32) (param $c i32)
      (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
      (param $top i32) (param $left i32) (param $oh i32) (param $ow i32) (param $m0 i32) (param $m i32)
      (param $rows i32) (param $k0 i32) (param $kc i32) (param $dst i32)
    (local $p i32) (local $kk i32) (local $rem i32) (local $ky i32) (local $kx i32) (local $c0 i32)
    (local $iy i32) (local $ix i32) (local $inside i32) (local $off i32) (local $spanH i32) (local $spanW i32)
    (local $b0 i32) (local $oy0 i32) (local $ox0 i32) (local $ok0 i32) (local $base0 i32)
    (local $b1 i32) (local $oy1 i32) (local $ox1 i32) (local $ok1 i32) (local $base1 i32)
    (local $b2 i32) (local $oy2 i32) (local $ox2 i32) (local $ok2 i32) (local $base2 i32)
    (local $b3 i32) (local $oy3 i32) (local $ox3 i32) (local $ok3 i32) (local $base3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128)
    (local.set $spanH (i32.mul (i32.sub (local.get $kh) (i32.const 1)) (local.get $dh)))
    (local.set $spanW (i32.mul (i32.sub (local.get $kw) (i32.const 1)) (local.get $dw)))
    (loop $panel
      ;; rows -> (b, top-left corner of the window oy, ox), and whether all 4 windows are inside
      (local.set $inside (i32.const 1))
      (local.set $rem (i32.add (i32.add (local.get $m0) (i32.shl (local.get $p) (i32.const 2))) (i32.const 0)))
      (local.set $ok0 (i32.lt_u (local.get $rem) (local.get $rows)))
      (local.set $b0 (i32.div_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $rem (i32.rem_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $oy0 (i32.sub (i32.mul (i32.div_u (local.get $rem) (local.get $ow)) (local.get $sh)) (local.get $top)))
      (local.set $ox0 (i32.sub (i32.mul (i32.rem_u (local.get $rem) (local.get $ow)) (local.get $sw)) (local.get $left)))
      ;; whole window inside the image: the fast path needs no bounds checks
      (local.set $inside (i32.and (local.get $inside) (i32.and (local.get $ok0)
        (i32.and (i32.and (i32.ge_s (local.get $oy0) (i32.const 0)) (i32.lt_s (i32.add (local.get $oy0) (local.get $spanH)) (local.get $h)))
                 (i32.and (i32.ge_s (local.get $ox0) (i32.const 0)) (i32.lt_s (i32.add (local.get $ox0) (local.get $spanW)) (local.get $w)))))))
      (local.set $base0 (i32.add (local.get $x) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b0) (local.get $h)) (local.get $oy0)) (local.get $w)) (local.get $ox0)) (local.get $c)) (i32.const 2))))
      (local.set $rem (i32.add (i32.add (local.get $m0) (i32.shl (local.get $p) (i32.const 2))) (i32.const 1)))
      (local.set $ok1 (i32.lt_u (local.get $rem) (local.get $rows)))
      (local.set $b1 (i32.div_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $rem (i32.rem_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $oy1 (i32.sub (i32.mul (i32.div_u (local.get $rem) (local.get $ow)) (local.get $sh)) (local.get $top)))
      (local.set $ox1 (i32.sub (i32.mul (i32.rem_u (local.get $rem) (local.get $ow)) (local.get $sw)) (local.get $left)))
      ;; whole window inside the image: the fast path needs no bounds checks
      (local.set $inside (i32.and (local.get $inside) (i32.and (local.get $ok1)
        (i32.and (i32.and (i32.ge_s (local.get $oy1) (i32.const 0)) (i32.lt_s (i32.add (local.get $oy1) (local.get $spanH)) (local.get $h)))
                 (i32.and (i32.ge_s (local.get $ox1) (i32.const 0)) (i32.lt_s (i32.add (local.get $ox1) (local.get $spanW)) (local.get $w)))))))
      (local.set $base1 (i32.add (local.get $x) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b1) (local.get $h)) (local.get $oy1)) (local.get $w)) (local.get $ox1)) (local.get $c)) (i32.const 2))))
      (local.set $rem (i32.add (i32.add (local.get $m0) (i32.shl (local.get $p) (i32.const 2))) (i32.const 2)))
      (local.set $ok2 (i32.lt_u (local.get $rem) (local.get $rows)))
      (local.set $b2 (i32.div_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $rem (i32.rem_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $oy2 (i32.sub (i32.mul (i32.div_u (local.get $rem) (local.get $ow)) (local.get $sh)) (local.get $top)))
      (local.set $ox2 (i32.sub (i32.mul (i32.rem_u (local.get $rem) (local.get $ow)) (local.get $sw)) (local.get $left)))
      ;; whole window inside the image: the fast path needs no bounds checks
      (local.set $inside (i32.and (local.get $inside) (i32.and (local.get $ok2)
        (i32.and (i32.and (i32.ge_s (local.get $oy2) (i32.const 0)) (i32.lt_s (i32.add (local.get $oy2) (local.get $spanH)) (local.get $h)))
                 (i32.and (i32.ge_s (local.get $ox2) (i32.const 0)) (i32.lt_s (i32.add (local.get $ox2) (local.get $spanW)) (local.get $w)))))))
      (local.set $base2 (i32.add (local.get $x) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b2) (local.get $h)) (local.get $oy2)) (local.get $w)) (local.get $ox2)) (local.get $c)) (i32.const 2))))
      (local.set $rem (i32.add (i32.add (local.get $m0) (i32.shl (local.get $p) (i32.const 2))) (i32.const 3)))
      (local.set $ok3 (i32.lt_u (local.get $rem) (local.get $rows)))
      (local.set $b3 (i32.div_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $rem (i32.rem_u (local.get $rem) (i32.mul (local.get $oh) (local.get $ow))))
      (local.set $oy3 (i32.sub (i32.mul (i32.div_u (local.get $rem) (local.get $ow)) (local.get $sh)) (local.get $top)))
      (local.set $ox3 (i32.sub (i32.mul (i32.rem_u (local.get $rem) (local.get $ow)) (local.get $sw)) (local.get $left)))
      ;; whole window inside the image: the fast path needs no bounds checks
      (local.set $inside (i32.and (local.get $inside) (i32.and (local.get $ok3)
        (i32.and (i32.and (i32.ge_s (local.get $oy3) (i32.const 0)) (i32.lt_s (i32.add (local.get $oy3) (local.get $spanH)) (local.get $h)))
                 (i32.and (i32.ge_s (local.get $ox3) (i32.const 0)) (i32.lt_s (i32.add (local.get $ox3) (local.get $spanW)) (local.get $w)))))))
      (local.set $base3 (i32.add (local.get $x) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b3) (local.get $h)) (local.get $oy3)) (local.get $w)) (local.get $ox3)) (local.get $c)) (i32.const 2))))
      (local.set $c0 (i32.rem_u (local.get $k0) (local.get $c)))
      (local.set $kx (i32.rem_u (i32.div_u (local.get $k0) (local.get $c)) (local.get $kw)))
      (local.set $ky (i32.div_u (i32.div_u (local.get $k0) (local.get $c)) (local.get $kw)))
      ;; byte offset of tap (ky, kx), channel c0, from a window's corner
      (local.set $off (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.mul (local.get $ky) (local.get $dh)) (local.get $w))
        (i32.mul (local.get $kx) (local.get $dw))) (local.get $c)) (local.get $c0)) (i32.const 2)))
      (local.set $kk (i32.const 0))
      (loop $cols
          (local.set $v0
            (if (result v128) (local.get $inside)
              (then (v128.load (i32.add (local.get $base0) (local.get $off))))
              (else
                (local.set $iy (i32.add (local.get $oy0) (i32.mul (local.get $ky) (local.get $dh))))
                (local.set $ix (i32.add (local.get $ox0) (i32.mul (local.get $kx) (local.get $dw))))
                (if (result v128) (i32.and (local.get $ok0) (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w))))
                  (then (v128.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b0) (local.get $h)) (local.get $iy)) (local.get $w)) (local.get $ix)) (local.get $c)) (local.get $c0)) (i32.const 2)))))
                  (else (v128.const i32x4 0 0 0 0))))))
          (local.set $v1
            (if (result v128) (local.get $inside)
              (then (v128.load (i32.add (local.get $base1) (local.get $off))))
              (else
                (local.set $iy (i32.add (local.get $oy1) (i32.mul (local.get $ky) (local.get $dh))))
                (local.set $ix (i32.add (local.get $ox1) (i32.mul (local.get $kx) (local.get $dw))))
                (if (result v128) (i32.and (local.get $ok1) (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w))))
                  (then (v128.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b1) (local.get $h)) (local.get $iy)) (local.get $w)) (local.get $ix)) (local.get $c)) (local.get $c0)) (i32.const 2)))))
                  (else (v128.const i32x4 0 0 0 0))))))
          (local.set $v2
            (if (result v128) (local.get $inside)
              (then (v128.load (i32.add (local.get $base2) (local.get $off))))
              (else
                (local.set $iy (i32.add (local.get $oy2) (i32.mul (local.get $ky) (local.get $dh))))
                (local.set $ix (i32.add (local.get $ox2) (i32.mul (local.get $kx) (local.get $dw))))
                (if (result v128) (i32.and (local.get $ok2) (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w))))
                  (then (v128.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b2) (local.get $h)) (local.get $iy)) (local.get $w)) (local.get $ix)) (local.get $c)) (local.get $c0)) (i32.const 2)))))
                  (else (v128.const i32x4 0 0 0 0))))))
          (local.set $v3
            (if (result v128) (local.get $inside)
              (then (v128.load (i32.add (local.get $base3) (local.get $off))))
              (else
                (local.set $iy (i32.add (local.get $oy3) (i32.mul (local.get $ky) (local.get $dh))))
                (local.set $ix (i32.add (local.get $ox3) (i32.mul (local.get $kx) (local.get $dw))))
                (if (result v128) (i32.and (local.get $ok3) (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w))))
                  (then (v128.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b3) (local.get $h)) (local.get $iy)) (local.get $w)) (local.get $ix)) (local.get $c)) (local.get $c0)) (i32.const 2)))))
                  (else (v128.const i32x4 0 0 0 0))))))
        ;; 4x4 transpose: rows (pixels) -> columns (filter taps)
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
        (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
        (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
        (local.set $t0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
        (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
        (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (if (i32.eq (local.tee $c0 (i32.add (local.get $c0) (i32.const 4))) (local.get $c))
          (then
            (local.set $c0 (i32.const 0))
            (if (i32.eq (local.tee $kx (i32.add (local.get $kx) (i32.const 1))) (local.get $kw))
              (then (local.set $kx (i32.const 0)) (local.set $ky (i32.add (local.get $ky) (i32.const 1)))))
            (local.set $off (i32.shl (i32.mul (i32.add (i32.mul (i32.mul (local.get $ky) (local.get $dh)) (local.get $w))
              (i32.mul (local.get $kx) (local.get $dw))) (local.get $c)) (i32.const 2)))))
        (br_if $cols (i32.lt_u (local.tee $kk (i32.add (local.get $kk) (i32.const 4))) (local.get $kc))))
      (br_if $panel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2))))))

  ;; Packs rows [k0, k0+kc) x columns [n0, n0+nw) of B (B[k][n] = src[k*rs + n*cs]) as ceil(nw/8)
  ;; panels of kc x 8 floats, zero past column N. Reads B in its memory order (rows, or columns when B
  ;; is transposed): each cache line is fetched once, where packing one panel at a time would fetch it
  ;; once per panel that shares it.
  (func $packB (param $src i32) (param $rs i32) (param $cs i32) (param $n i32) (param $k0 i32) (param $kc i32)
      (param $n0 i32) (param $nw i32) (param $dst i32)
    (local $k i32) (local $j i32) (local $c i32) (local $col i32) (local $panels i32) (local $panelBytes i32)
    (local $from i32) (local $to i32)
    (local.set $panels (i32.shr_u (i32.add (local.get $nw) (i32.const 7)) (i32.const 3)))
    (local.set $panelBytes (i32.shl (local.get $kc) (i32.const 5)))
    (if (i32.eq (local.get $cs) (i32.const 1))
      (then
        ;; rows of B are contiguous: row k, panel by panel
        (loop $row
          (local.set $from (i32.add (local.get $src)
            (i32.shl (i32.add (i32.mul (i32.add (local.get $k0) (local.get $k)) (local.get $rs)) (local.get $n0)) (i32.const 2))))
          (local.set $to (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 5))))
          (local.set $j (i32.const 0))
          (loop $panel
            (local.set $col (i32.add (local.get $n0) (i32.shl (local.get $j) (i32.const 3))))
            (if (i32.le_u (i32.add (local.get $col) (i32.const 8)) (local.get $n))
              (then
                (v128.store (local.get $to) (v128.load (local.get $from)))
                (v128.store offset=16 (local.get $to) (v128.load offset=16 (local.get $from))))
              (else
                (local.set $c (i32.const 0))
                (loop $edge
                  (f32.store (i32.add (local.get $to) (i32.shl (local.get $c) (i32.const 2)))
                    (if (result f32) (i32.lt_u (i32.add (local.get $col) (local.get $c)) (local.get $n))
                      (then (f32.load (i32.add (local.get $from) (i32.shl (local.get $c) (i32.const 2)))))
                      (else (f32.const 0))))
                  (br_if $edge (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const 8))))))
            (local.set $from (i32.add (local.get $from) (i32.const 32)))
            (local.set $to (i32.add (local.get $to) (local.get $panelBytes)))
            (br_if $panel (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $panels))))
          (br_if $row (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc))))
        (return)))
    ;; otherwise column by column (contiguous when B is transposed, rs = 1)
    (loop $column
      (local.set $col (i32.add (local.get $n0) (local.get $j)))
      (local.set $to (i32.add (local.get $dst)
        (i32.add (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (local.get $panelBytes))
                 (i32.shl (i32.and (local.get $j) (i32.const 7)) (i32.const 2)))))
      (local.set $from (i32.add (local.get $src)
        (i32.shl (i32.add (i32.mul (local.get $col) (local.get $cs)) (i32.mul (local.get $k0) (local.get $rs))) (i32.const 2))))
      (local.set $k (i32.const 0))
      (loop $step
        (f32.store (local.get $to)
          (if (result f32) (i32.lt_u (local.get $col) (local.get $n))
            (then (f32.load (local.get $from)))
            (else (f32.const 0))))
        (local.set $from (i32.add (local.get $from) (i32.shl (local.get $rs) (i32.const 2))))
        (local.set $to (i32.add (local.get $to) (i32.const 32)))
        (br_if $step (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $kc))))
      (br_if $column (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.shl (local.get $panels) (i32.const 3))))))

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

;; A job: 32 i32 words at $job (kinds 3 and 4 are winograd.wat's; `run` dispatches on word 0).
;;  0 kind: 0 = A strided (words 11-13: a, ars, acs); 1 = A = im2col(x)^T, 2 = A = im2col(x) (words
;;    11-24: x, h, w, c, kh, kw, sh, sw, dh, dw, top, left, oh, ow; 26: first row m0; 27: rows in all)
;;  1 m, 2 n, 3 k, 4 b, 5 brs, 6 bcs, 7 c, 8 ldc, 9 A panel scratch, 10 B panel scratch, 25 kc (block size),
;;  28 accumulate (C += A . B instead of C = A . B)
;; C[0..m)[0..n) (row stride ldc) = A . B. Blocked as GotoBLAS does: per K block of kc, per NC = 512
;; columns of B (packed once, L2-sized), per MC = 128 rows of A (packed, L2-sized), the 4x8 tiles.
;; Packing A by row blocks keeps it in cache: a convolution's im2col A has ~74k rows.
  (func (export "run") (param $job i32)
    (if (i32.ge_u (i32.load (local.get $job)) (i32.const 3))
      (then (call $winograd (local.get $job)))
      (else (call $gemm (local.get $job)))))

  (func $gemm (param $job i32)
    (local $k0 i32) (local $kc i32) (local $k i32) (local $block i32) (local $pa i32) (local $kind i32)
    (local $n i32) (local $m i32) (local $n0 i32) (local $nw i32) (local $m0 i32) (local $mw i32) (local $j i32)
    (local $bPack i32) (local $c i32) (local $ldc i32) (local $acc i32)
    (local.set $acc (i32.load offset=112 (local.get $job)))
    (local.set $m (i32.load offset=4 (local.get $job)))
    (local.set $n (i32.load offset=8 (local.get $job)))
    (local.set $k (i32.load offset=12 (local.get $job)))
    (local.set $c (i32.load offset=28 (local.get $job)))
    (local.set $ldc (i32.load offset=32 (local.get $job)))
    (local.set $pa (i32.load offset=36 (local.get $job)))
    (local.set $bPack (i32.load offset=40 (local.get $job)))
    (local.set $block (i32.load offset=100 (local.get $job)))
    (local.set $kind (i32.load (local.get $job)))
    (loop $kBlocks
      (local.set $kc (select (local.get $block) (i32.sub (local.get $k) (local.get $k0))
        (i32.lt_u (local.get $block) (i32.sub (local.get $k) (local.get $k0)))))
      (local.set $n0 (i32.const 0))
      (loop $nChunks
        (local.set $nw (select (i32.const 512) (i32.sub (local.get $n) (local.get $n0))
          (i32.lt_u (i32.const 512) (i32.sub (local.get $n) (local.get $n0)))))
        (call $packB (i32.load offset=16 (local.get $job)) (i32.load offset=20 (local.get $job)) (i32.load offset=24 (local.get $job))
          (local.get $n) (local.get $k0) (local.get $kc) (local.get $n0) (local.get $nw) (local.get $bPack))
        (local.set $m0 (i32.const 0))
        (loop $mBlocks
          (local.set $mw (select (i32.const 128) (i32.sub (local.get $m) (local.get $m0))
            (i32.lt_u (i32.const 128) (i32.sub (local.get $m) (local.get $m0)))))
          (if (i32.eqz (local.get $kind))
            (then
              (call $packA
                (i32.add (i32.load offset=44 (local.get $job)) (i32.shl (i32.mul (local.get $m0) (i32.load offset=48 (local.get $job))) (i32.const 2)))
                (i32.load offset=48 (local.get $job)) (i32.load offset=52 (local.get $job)) (local.get $mw)
                (local.get $k0) (local.get $kc) (local.get $pa))))
          (if (i32.eq (local.get $kind) (i32.const 1))
            (then
              (call $packIm2colT (i32.load offset=44 (local.get $job)) (i32.load offset=48 (local.get $job)) (i32.load offset=52 (local.get $job)) (i32.load offset=56 (local.get $job)) (i32.load offset=60 (local.get $job)) (i32.load offset=64 (local.get $job)) (i32.load offset=68 (local.get $job)) (i32.load offset=72 (local.get $job)) (i32.load offset=76 (local.get $job)) (i32.load offset=80 (local.get $job)) (i32.load offset=84 (local.get $job)) (i32.load offset=88 (local.get $job)) (i32.load offset=92 (local.get $job)) (i32.load offset=96 (local.get $job))
                (i32.add (i32.load offset=104 (local.get $job)) (local.get $m0)) (local.get $mw)
                (local.get $k0) (local.get $kc) (local.get $pa))))
          (if (i32.eq (local.get $kind) (i32.const 2))
            (then
              (call $packIm2col (i32.load offset=44 (local.get $job)) (i32.load offset=48 (local.get $job)) (i32.load offset=52 (local.get $job)) (i32.load offset=56 (local.get $job)) (i32.load offset=60 (local.get $job)) (i32.load offset=64 (local.get $job)) (i32.load offset=68 (local.get $job)) (i32.load offset=72 (local.get $job)) (i32.load offset=76 (local.get $job)) (i32.load offset=80 (local.get $job)) (i32.load offset=84 (local.get $job)) (i32.load offset=88 (local.get $job)) (i32.load offset=92 (local.get $job)) (i32.load offset=96 (local.get $job))
                (i32.add (i32.load offset=104 (local.get $job)) (local.get $m0)) (local.get $mw) (i32.load offset=108 (local.get $job))
                (local.get $k0) (local.get $kc) (local.get $pa))))
          (local.set $j (i32.const 0))
          (loop $panels
            (call $tiles (local.get $kc) (local.get $pa)
              (i32.add (local.get $bPack) (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (i32.shl (local.get $kc) (i32.const 5))))
              (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $m0) (local.get $ldc)) (i32.add (local.get $n0) (local.get $j))) (i32.const 2)))
              (local.get $ldc) (i32.shr_u (i32.add (local.get $mw) (i32.const 3)) (i32.const 2)) (i32.or (i32.ne (local.get $k0) (i32.const 0)) (local.get $acc)))
            (br_if $panels (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $nw))))
          (br_if $mBlocks (i32.lt_u (local.tee $m0 (i32.add (local.get $m0) (local.get $mw))) (local.get $m))))
        (br_if $nChunks (i32.lt_u (local.tee $n0 (i32.add (local.get $n0) (local.get $nw))) (local.get $n))))
      (br_if $kBlocks (i32.lt_u (local.tee $k0 (i32.add (local.get $k0) (local.get $kc))) (local.get $k)))))
)
