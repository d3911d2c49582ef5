//! The machine's float32 fused multiply-add peak, on one core and on two, against which SPEC §7
//! states the GEMM-bound workloads (B3, B7, I2) as a fraction.
//!
//! Each call runs `ROUNDS` rounds of `ACCUMULATORS` independent fused multiply-adds
//! `acc ← acc·m + a` on whole vector registers: enough independent chains to cover the latency
//! of the FMA units (4 cycles) times their number (2) with room to spare, and no loads or stores
//! in the loop. One kernel per instruction set the CPU has, detected at run time: AVX-512F
//! (16 lanes), AVX2 + FMA (8 lanes), or, when neither is there, plain arrays that the compiler
//! vectorizes as it can. "2 cores" runs the same loop on two threads at once (`thread::scope`:
//! one spawned, one the calling thread), and counts the flops of both.
//!
//! Criterion's throughput is in floating-point operations, 2 per fused multiply-add: its
//! `Gelem/s` are GFLOP/s.
//!
//! ```text
//! cargo bench --bench peak
//! ```

use std::hint::black_box;
use std::thread;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Independent accumulators (vector registers) per core: 12 of the 16 AVX2 or 32 AVX-512 ones.
const ACCUMULATORS: usize = 12;

/// Rounds per call: 7 to 15 milliseconds, so that a thread's start and join are lost in the
/// timing.
const ROUNDS: u64 = 1 << 22;

/// The multiplier and the addend: the accumulators converge to `a / (1 − m)` = 1, never to
/// subnormals or infinities, whatever the number of rounds.
const M: f32 = 0.999;
const A: f32 = 0.001;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m256, __m512, _mm_add_ps, _mm_cvtss_f32, _mm_hadd_ps, _mm256_add_ps, _mm256_castps256_ps128,
        _mm256_extractf128_ps, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm512_add_ps,
        _mm512_fmadd_ps, _mm512_reduce_add_ps, _mm512_set1_ps, _mm512_setzero_ps,
    };

    use super::ACCUMULATORS;

    /// `rounds` rounds of an AVX-512 FMA on each accumulator; returns their sum so that the
    /// work is used. Only register operations: no intrinsic here needs `unsafe` inside a
    /// function with the feature enabled.
    #[target_feature(enable = "avx512f")]
    pub fn avx512(rounds: u64, m: f32, a: f32) -> f32 {
        let (vm, va) = (_mm512_set1_ps(m), _mm512_set1_ps(a));
        // Different starting values, so that no two chains are the same computation.
        let mut acc: [__m512; ACCUMULATORS] = std::array::from_fn(|i| _mm512_set1_ps(i as f32));
        for _ in 0..rounds {
            for x in &mut acc {
                *x = _mm512_fmadd_ps(*x, vm, va);
            }
        }
        let sum = acc.into_iter().fold(_mm512_setzero_ps(), |s, x| _mm512_add_ps(s, x));
        _mm512_reduce_add_ps(sum)
    }

    /// As [`avx512`] on 256-bit AVX2 registers with FMA.
    #[target_feature(enable = "avx2,fma")]
    pub fn avx2(rounds: u64, m: f32, a: f32) -> f32 {
        let (vm, va) = (_mm256_set1_ps(m), _mm256_set1_ps(a));
        let mut acc: [__m256; ACCUMULATORS] = std::array::from_fn(|i| _mm256_set1_ps(i as f32));
        for _ in 0..rounds {
            for x in &mut acc {
                *x = _mm256_fmadd_ps(*x, vm, va);
            }
        }
        let sum = acc.into_iter().fold(_mm256_setzero_ps(), |s, x| _mm256_add_ps(s, x));
        // The sum of the eight lanes: the two halves added, then two horizontal additions.
        let half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps::<1>(sum));
        let pairs = _mm_hadd_ps(half, half);
        _mm_cvtss_f32(_mm_hadd_ps(pairs, pairs))
    }
}

/// Lanes of the portable kernel's vectors.
const PORTABLE_LANES: usize = 16;

/// The portable kernel's multiply-add: fused where the target has the instruction for it (a
/// call into the C library otherwise, slower than a multiply and an add).
#[inline(always)]
fn madd(x: f32, m: f32, a: f32) -> f32 {
    if cfg!(any(target_arch = "aarch64", target_feature = "fma")) { x.mul_add(m, a) } else { x * m + a }
}

/// As the intrinsic kernels, on arrays of `PORTABLE_LANES` floats.
fn portable(rounds: u64, m: f32, a: f32) -> f32 {
    let mut acc: [[f32; PORTABLE_LANES]; ACCUMULATORS] = std::array::from_fn(|i| [i as f32; PORTABLE_LANES]);
    for _ in 0..rounds {
        for v in &mut acc {
            for x in v.iter_mut() {
                *x = madd(*x, m, a);
            }
        }
    }
    acc.iter().flatten().sum()
}

/// A kernel for one instruction set.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

impl Kernel {
    /// The kernels this CPU runs: every intrinsic one it has the features of, else the
    /// portable one.
    fn available() -> Vec<Kernel> {
        #[allow(unused_mut)]
        let mut kernels = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                kernels.push(Kernel::Avx512);
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                kernels.push(Kernel::Avx2);
            }
        }
        if kernels.is_empty() {
            kernels.push(Kernel::Portable);
        }
        kernels
    }

    fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => "avx512f",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => "avx2+fma",
            Kernel::Portable => "portable",
        }
    }

    /// Floating-point operations of one call on one core: 2 per lane and fused multiply-add.
    fn flops(self) -> u64 {
        let lanes = match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => 16,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => 8,
            Kernel::Portable => PORTABLE_LANES as u64,
        };
        2 * lanes * ACCUMULATORS as u64 * ROUNDS
    }

    /// One call of the kernel: `ROUNDS` rounds.
    // Calling a `#[target_feature]` function is `unsafe` (the workspace denies unsafe code): the
    // only unsafe operations of the benches, each after the run-time check of its features.
    #[allow(unsafe_code)]
    fn run(self) -> f32 {
        let (rounds, m, a) = (black_box(ROUNDS), black_box(M), black_box(A));
        match self {
            // SAFETY: `available` lists `Avx512` only when the CPU reports AVX-512F.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { x86::avx512(rounds, m, a) },
            // SAFETY: `available` lists `Avx2` only when the CPU reports AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { x86::avx2(rounds, m, a) },
            Kernel::Portable => portable(rounds, m, a),
        }
    }
}

fn peak(c: &mut Criterion) {
    let mut group = c.benchmark_group("peak");
    for kernel in Kernel::available() {
        group.throughput(Throughput::Elements(kernel.flops()));
        group.bench_function(format!("fma f32, 1 core, {}", kernel.name()), |b| b.iter(|| kernel.run()));
        group.throughput(Throughput::Elements(2 * kernel.flops()));
        group.bench_function(format!("fma f32, 2 cores, {}", kernel.name()), |b| {
            b.iter(|| {
                thread::scope(|s| {
                    let other = s.spawn(|| kernel.run());
                    kernel.run() + other.join().expect("the kernel does not panic")
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, peak);
criterion_main!(benches);
