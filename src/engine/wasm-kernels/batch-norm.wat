;; Batch normalization's passes over a [rows, cols] float32 matrix (NHWC with the channels last), four
;; columns per vector (cols % 4 == 0, cols > 0). Column sums run in float32 over 16 rows at a time into a
;; scratch row, then are added to float64 accumulators (a 16-term float32 partial sum loses nothing that
;; matters; the float64 total keeps 100k rows exact enough). Pointers are byte offsets in the heap.
(module
  (import "env" "memory" (memory $mem MEMORY_LIMITS))

  ;; acc64[0..cols) (f64) += acc32[0..cols) (f32); acc32 = 0.
  (func $flush (param $acc32 i32) (param $acc64 i32) (param $cols i32)
    (local $end i32) (local $s v128)
    (local.set $end (i32.add (local.get $acc32) (i32.shl (local.get $cols) (i32.const 2))))
    (loop $next
      (local.set $s (v128.load (local.get $acc32)))
      (v128.store (local.get $acc64)
        (f64x2.add (v128.load (local.get $acc64)) (f64x2.promote_low_f32x4 (local.get $s))))
      (v128.store offset=16 (local.get $acc64)
        (f64x2.add (v128.load offset=16 (local.get $acc64))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s) (local.get $s)))))
      (v128.store (local.get $acc32) (v128.const i32x4 0 0 0 0))
      (local.set $acc64 (i32.add (local.get $acc64) (i32.const 32)))
      (br_if $next (i32.lt_u (local.tee $acc32 (i32.add (local.get $acc32) (i32.const 16))) (local.get $end)))))

  ;; Whether the float32 partial sums are due to be flushed after row r (every 16 rows and at the end).
  (func $due (param $r i32) (param $rows i32) (result i32)
    (i32.or (i32.eqz (i32.and (local.get $r) (i32.const 15))) (i32.eq (local.get $r) (local.get $rows))))

  ;; acc64[c] += Σ_r a[r, c]. acc32: cols floats of zeroed scratch (left zeroed).
  (func (export "colSum") (param $a i32) (param $rows i32) (param $cols i32) (param $acc32 i32) (param $acc64 i32)
    (local $r i32) (local $acc i32) (local $rowEnd i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (local.get $acc32))
      (local.set $rowEnd (i32.add (local.get $a) (i32.shl (local.get $cols) (i32.const 2))))
      (loop $col
        (v128.store (local.get $acc) (f32x4.add (v128.load (local.get $acc)) (v128.load (local.get $a))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (br_if $col (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $rowEnd))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (if (call $due (local.get $r) (local.get $rows)) (then (call $flush (local.get $acc32) (local.get $acc64) (local.get $cols))))
      (br $row))))

  ;; acc64[c] += Σ_r (a[r, c] - m[c])², m: cols floats.
  (func (export "colSquaredDeviation") (param $a i32) (param $rows i32) (param $cols i32) (param $m i32) (param $acc32 i32) (param $acc64 i32)
    (local $r i32) (local $acc i32) (local $mp i32) (local $rowEnd i32) (local $d v128)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (local.get $acc32))
      (local.set $mp (local.get $m))
      (local.set $rowEnd (i32.add (local.get $a) (i32.shl (local.get $cols) (i32.const 2))))
      (loop $col
        (local.set $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $mp))))
        (v128.store (local.get $acc) (f32x4.add (v128.load (local.get $acc)) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
        (br_if $col (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $rowEnd))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (if (call $due (local.get $r) (local.get $rows)) (then (call $flush (local.get $acc32) (local.get $acc64) (local.get $cols))))
      (br $row))))

  ;; accA64[c] += Σ_r a[r, c] and accB64[c] += Σ_r a[r, c]·b[r, c] (b: same shape as a).
  (func (export "colSumAndDot") (param $a i32) (param $b i32) (param $rows i32) (param $cols i32)
      (param $accA32 i32) (param $accA64 i32) (param $accB32 i32) (param $accB64 i32)
    (local $r i32) (local $pa i32) (local $pb i32) (local $rowEnd i32) (local $v v128)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $pa (local.get $accA32))
      (local.set $pb (local.get $accB32))
      (local.set $rowEnd (i32.add (local.get $a) (i32.shl (local.get $cols) (i32.const 2))))
      (loop $col
        (local.set $v (v128.load (local.get $a)))
        (v128.store (local.get $pa) (f32x4.add (v128.load (local.get $pa)) (local.get $v)))
        (v128.store (local.get $pb) (f32x4.add (v128.load (local.get $pb)) (f32x4.mul (local.get $v) (v128.load (local.get $b)))))
        (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br_if $col (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $rowEnd))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (if (call $due (local.get $r) (local.get $rows))
        (then
          (call $flush (local.get $accA32) (local.get $accA64) (local.get $cols))
          (call $flush (local.get $accB32) (local.get $accB64) (local.get $cols))))
      (br $row))))

  ;; y[r, c] = a[r, c]·s[c] + t[c] + (b[r, c]·u[c] when b != 0): the normalization (b = 0) and its
  ;; input gradient (a = dy, b = x). y may be a.
  (func (export "columnAffine") (param $a i32) (param $b i32) (param $rows i32) (param $cols i32)
      (param $s i32) (param $t i32) (param $u i32) (param $y i32)
    (local $end i32) (local $rowEnd i32) (local $c i32) (local $v v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2))))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $c (i32.const 0))
      (local.set $rowEnd (i32.add (local.get $a) (i32.shl (local.get $cols) (i32.const 2))))
      (if (i32.eqz (local.get $b))
        (then
          (loop $col
            (v128.store (local.get $y) (f32x4.add (f32x4.mul (v128.load (local.get $a)) (v128.load (i32.add (local.get $s) (local.get $c))))
              (v128.load (i32.add (local.get $t) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (br_if $col (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $rowEnd)))))
        (else
          (loop $col
            (local.set $v (f32x4.add (f32x4.mul (v128.load (local.get $a)) (v128.load (i32.add (local.get $s) (local.get $c))))
              (f32x4.mul (v128.load (local.get $b)) (v128.load (i32.add (local.get $u) (local.get $c))))))
            (v128.store (local.get $y) (f32x4.add (local.get $v) (v128.load (i32.add (local.get $t) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))
            (br_if $col (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $rowEnd))))))
      (br $row))))
)
