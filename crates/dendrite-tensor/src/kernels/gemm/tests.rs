//! Tests of the products against nalgebra and of the kernels' documented orders.

use super::*;

pub(super) fn sample(r: usize, c: usize, salt: f32) -> Matrix {
    Matrix::from_fn(r, c, |i, j| ((i * 7 + j * 3) as f32 * 0.37 + salt).sin())
}

fn assert_close(a: &Matrix, b: &Matrix) {
    assert_eq!(a.shape(), b.shape());
    for (x, y) in a.iter().zip(b.iter()) {
        assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{x} vs {y}");
    }
}

#[test]
fn all_three_products_match_nalgebra() -> Result<()> {
    let a = sample(37, 5, 0.1);
    let b = sample(5, 11, 0.2);
    let mut out = Matrix::zeros(0, 0);
    matmul(&a, &b, &mut out)?;
    assert_close(&out, &(&a * &b));
    let c = sample(37, 11, 0.3);
    matmul_tn(&a, &c, &mut out)?;
    assert_close(&out, &a.tr_mul(&c));
    let d = sample(11, 5, 0.4);
    matmul_nt(&a, &d, &mut out)?;
    assert_close(&out, &(&a * d.transpose()));
    Ok(())
}

#[test]
fn skinny_and_general_paths_agree_with_nalgebra() -> Result<()> {
    // Inner or outer sizes on both sides of the threshold, every transpose combination.
    for &(m, k, n) in
        &[(300, 2, 64), (300, 64, 3), (64, 300, 3), (2, 300, 64), (30, 20, 40), (9, 9, 9), (5, 1, 7)]
    {
        let mut out = Matrix::zeros(0, 0);
        let a = sample(m, k, 0.1);
        let b = sample(k, n, 0.2);
        let expected = &a * &b;
        matmul(&a, &b, &mut out)?;
        assert_close(&out, &expected);
        matmul_tn(&a.transpose(), &b, &mut out)?;
        assert_close(&out, &expected);
        matmul_nt(&a, &b.transpose(), &mut out)?;
        assert_close(&out, &expected);
        gemm(0.5, &a.transpose(), Transpose::Yes, &b.transpose(), Transpose::Yes, 0.0, &mut out)?;
        assert_close(&out, &(&expected * 0.5));
    }
    Ok(())
}

/// `α · op(a) · op(b)` in the summation order the skinny kernels promise, written plainly:
/// terms in order of the inner index from 0 (a small inner size or few outputs), dot products
/// with 32 interleaved sums (`aᵀ · b`), or with 16 fused ones (a few rows of `a` by a wide `b`).
fn reference(alpha: f32, a: &Matrix, ta: Transpose, b: &Matrix, tb: Transpose) -> Matrix {
    let op = |m: &Matrix, t| if t == Transpose::Yes { m.transpose() } else { m.clone() };
    let (a, b) = (op(a, ta), op(b, tb));
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let few_rows = ta == Transpose::No && tb == Transpose::No && m <= 8 && k > 8 && n > 8;
    Matrix::from_fn(m, n, |i, j| {
        if few_rows {
            // 16 fused lanes, added pairwise, then the rest in order, fused.
            let mut acc = [0.0f32; 16];
            for p in 0..k / 16 * 16 {
                acc[p % 16] = a[(i, p)].mul_add(b[(p, j)], acc[p % 16]);
            }
            let mut sum = crate::pairwise_sum(acc);
            for p in k / 16 * 16..k {
                sum = a[(i, p)].mul_add(b[(p, j)], sum);
            }
            alpha * sum
        } else if ta == Transpose::Yes {
            let (x, y): (Vec<f32>, Vec<f32>) = (0..k).map(|p| (a[(i, p)], b[(p, j)])).unzip();
            let mut acc = [0.0f32; 32];
            for c in 0..k / 32 {
                for l in 0..32 {
                    acc[l] += x[c * 32 + l] * y[c * 32 + l];
                }
            }
            let tail: f32 = (k / 32 * 32..k).map(|p| x[p] * y[p]).sum();
            // Pairwise: lanes l and l + 16, then l and l + 8, and so on.
            let mut width = 16;
            while width > 0 {
                for l in 0..width {
                    acc[l] += acc[l + width];
                }
                width /= 2;
            }
            alpha * (acc[0] + tail)
        } else {
            (0..k).fold(0.0, |acc, p| acc + alpha * b[(p, j)] * a[(i, p)])
        }
    })
}

#[test]
fn skinny_kernels_sum_in_their_documented_order() -> Result<()> {
    // Bit for bit, so that results do not depend on the SIMD level the machine picks.
    for &(m, k, n) in &[
        (300, 2, 64),
        (250, 64, 3),
        (64, 250, 3),
        (2, 250, 64),
        (37, 9, 5),
        (5, 1, 7),
        (3, 20, 11),
        (19, 8, 8),
        (1, 784, 128),
        (8, 40, 33),
    ] {
        let a = sample(m, k, 0.1);
        let b = sample(k, n, 0.2);
        let mut out = Matrix::zeros(0, 0);
        for (ta, tb) in
            [(Transpose::No, Transpose::No), (Transpose::No, Transpose::Yes), (Transpose::Yes, Transpose::No)]
        {
            let a_op = if ta == Transpose::Yes { a.transpose() } else { a.clone() };
            let b_op = if tb == Transpose::Yes { b.transpose() } else { b.clone() };
            if !skinny_shape(&a_op, ta, tb, n) {
                continue;
            }
            gemm(0.5, &a_op, ta, &b_op, tb, 0.0, &mut out)?;
            let expected = reference(0.5, &a_op, ta, &b_op, tb);
            let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&out), bits(&expected), "{m}x{k}x{n} {ta:?} {tb:?}");
        }
    }
    Ok(())
}

#[test]
fn bias_in_the_kernel_is_the_bias_added_after() -> Result<()> {
    for &(m, k, n) in &[(300, 2, 64), (250, 64, 3), (30, 20, 40), (19, 3, 11), (1, 784, 128), (5, 40, 33)] {
        let a = sample(m, k, 0.1);
        let b = sample(k, n, 0.2);
        let bias = sample(1, n, 0.3);
        let (mut fused, mut separate) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
        matmul_bias(&a, &b, &bias, &mut fused)?;
        matmul(&a, &b, &mut separate)?;
        crate::add_row_broadcast(&mut separate, &bias)?;
        let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&fused), bits(&separate), "{m}x{k}x{n}");
    }
    let err =
        matmul_bias(&sample(3, 2, 0.0), &sample(2, 4, 0.0), &sample(1, 3, 0.0), &mut Matrix::zeros(0, 0));
    assert!(err.unwrap_err().to_string().contains("bias of shape 1x4"));
    Ok(())
}

#[test]
fn a_split_of_the_columns_changes_no_bit() -> Result<()> {
    // What makes the `threading` feature's halves exact: each entry of a packed product
    // does not depend on which other columns are computed with it.
    // 103 Mflop, too large for the direct kernel in whole and in parts: split between two
    // threads with the `threading` feature.
    let a = sample(512, 784, 0.1);
    let b = sample(784, 128, 0.2);
    let mut whole = Matrix::zeros(0, 0);
    matmul(&a, &b, &mut whole)?;
    let mut part = Matrix::zeros(0, 0);
    for (j0, j1) in [(0, 37), (37, 64), (64, 128)] {
        matmul(&a, &b.columns(j0, j1 - j0).into_owned(), &mut part)?;
        for j in j0..j1 {
            for i in 0..512 {
                assert_eq!(part[(i, j - j0)].to_bits(), whole[(i, j)].to_bits(), "({i}, {j})");
            }
        }
    }
    Ok(())
}

#[test]
fn product_with_sums_is_the_product_and_the_lane_sums() -> Result<()> {
    // Narrow input (the sums in the product's pass), narrow gradient, and neither.
    for &(k, m, n) in &[(300, 2, 64), (250, 64, 3), (77, 5, 6), (40, 12, 10), (0, 3, 4)] {
        let (a, b) = (sample(k, m, 0.1), sample(k, n, 0.2));
        let (mut out, mut sums) = (Matrix::zeros(0, 0), Matrix::zeros(0, 0));
        matmul_tn_sums(&a, &b, &mut out, &mut sums)?;
        let mut expected = Matrix::zeros(0, 0);
        matmul_tn(&a, &b, &mut expected)?;
        let bits = |m: &Matrix| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&out), bits(&expected), "{k}x{m}x{n}");
        assert_eq!(sums.shape(), (1, n));
        for j in 0..n {
            let col: Vec<f32> = b.column(j).iter().copied().collect();
            assert_eq!(sums[j].to_bits(), sum_lanes(&col).to_bits(), "{k}x{m}x{n} column {j}");
            let exact: f64 = col.iter().map(|&v| f64::from(v)).sum();
            assert!((f64::from(sums[j]) - exact).abs() < 1e-4, "{k}x{m}x{n} column {j}");
        }
    }
    assert!(
        matmul_tn_sums(
            &sample(3, 2, 0.0),
            &sample(4, 2, 0.0),
            &mut Matrix::zeros(0, 0),
            &mut Matrix::zeros(0, 0)
        )
        .is_err()
    );
    Ok(())
}

/// Whether [`skinny`] takes the product (the general kernel sums in another order).
fn skinny_shape(a: &Matrix, ta: Transpose, tb: Transpose, n: usize) -> bool {
    match ta {
        Transpose::No => a.ncols() <= 8 || n <= 8 || (tb == Transpose::No && a.nrows() <= 8),
        Transpose::Yes => tb == Transpose::No && (a.ncols() <= 8 || n <= 8),
    }
}

#[test]
fn accumulates_with_beta() -> Result<()> {
    let a = sample(4, 3, 0.5);
    let b = sample(3, 2, 0.6);
    let mut out = Matrix::from_element(4, 2, 1.0);
    gemm(2.0, &a, Transpose::No, &b, Transpose::No, 0.5, &mut out)?;
    let expected = (&a * &b) * 2.0 + Matrix::from_element(4, 2, 0.5);
    assert_close(&out, &expected);
    Ok(())
}

#[test]
fn rejects_mismatched_inner_dimensions() {
    let a = sample(4, 3, 0.0);
    let mut out = Matrix::zeros(0, 0);
    let err = matmul(&a, &a, &mut out).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { op: "gemm", .. }), "{err}");
    let mut wrong = Matrix::zeros(2, 2);
    let err = gemm(1.0, &a, Transpose::No, &a, Transpose::Yes, 1.0, &mut wrong).unwrap_err();
    assert!(err.to_string().contains("output of 4x4"), "{err}");
}

#[test]
fn empty_inner_dimension_gives_zeros() -> Result<()> {
    let a = Matrix::zeros(3, 0);
    let b = Matrix::zeros(0, 2);
    let mut out = Matrix::from_element(1, 1, 9.0);
    matmul(&a, &b, &mut out)?;
    assert_eq!(out, Matrix::zeros(3, 2));
    Ok(())
}
