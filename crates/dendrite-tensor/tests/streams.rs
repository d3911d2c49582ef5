//! The streams that the README promises stay the same (for one seed and one Dendrite version,
//! on every platform): Dendrite's generator and its derived draws, and each initializer's first
//! values; and `rand`'s methods and `rand_distr`'s distributions drawing from Dendrite's
//! generator, and Dendrite's initializers drawing from `rand`'s.
//!
//! The pinned numbers were read off this implementation: they are there to fail when a change
//! moves a stream, which must then be stated as a change of the stream.

use dendrite_tensor::{Init, Matrix, RandomSource, Rng, StandardNormal, below, shuffle};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Normal, Uniform};

fn bits(values: impl IntoIterator<Item = f32>) -> Vec<u32> {
    values.into_iter().map(f32::to_bits).collect()
}

#[test]
fn the_generator_and_its_derived_draws_are_pinned() {
    let mut rng = Rng::seed_from_u64(0);
    let words: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
    assert_eq!(words, [0x1063_a779_dc05_467b, 0x3b29_be74_3a57_6808, 0xcceb_8236_18ac_a664]);

    let mut rng = Rng::seed_from_u64(0);
    let uniform: Vec<u64> = (0..3).map(|_| rng.uniform_f64().to_bits()).collect();
    assert_eq!(uniform, [4_589_277_591_245_686_080, 4_597_494_481_088_752_564, 4_605_385_199_512_130_964]);
    let normal: Vec<u64> = (0..3).map(|_| rng.normal_f64().to_bits()).collect();
    assert_eq!(normal, [4_606_367_261_202_999_679, 4_581_917_128_413_153_855, 4_603_348_128_982_421_938]);
    let draws: Vec<u64> = (0..5).map(|_| rng.below(10)).collect();
    assert_eq!(draws, [3, 4, 8, 5, 5]);
    let mut order: Vec<u32> = (0..8).collect();
    rng.shuffle(&mut order);
    assert_eq!(order, [2, 7, 5, 1, 6, 4, 3, 0]);
}

#[test]
fn each_initializer_is_pinned() {
    let pins: [(Init, [u32; 3]); 9] = [
        (Init::Normal { std: 0.01 }, [999_462_010, 3_162_443_120, 1_007_129_346]),
        (Init::HeNormal, [1_052_442_835, 3_215_110_629, 1_059_911_262]),
        (Init::GlorotUniform, [3_209_603_508, 1_059_602_459, 1_018_255_196]),
        (Init::Zeros, [0, 0, 0]),
        (Init::HeUniform, [3_214_792_550, 1_065_386_206, 1_023_898_198]),
        (Init::GlorotNormal, [1_047_844_926, 3_210_019_972, 1_055_028_733]),
        (Init::Uniform { limit: 0.5 }, [3_202_300_081, 1_052_097_329, 1_010_797_802]),
        (Init::TruncatedNormal { std: 1.0 }, [1_055_197_183, 3_217_506_943, 3_211_047_899]),
        (Init::Orthogonal { gain: 1.0 }, [1_053_164_358, 3_201_011_158, 1_060_667_089]),
    ];
    for (init, first) in pins {
        let m = init.matrix(3, 4, &mut Rng::seed_from_u64(0));
        assert_eq!(bits(m.iter().take(3).copied()), first, "{init:?}");
    }
}

#[test]
fn the_initializers_have_their_shapes_and_bounds() {
    let mut rng = Rng::seed_from_u64(4);
    let t = Init::TruncatedNormal { std: 0.5 }.matrix(60, 50, &mut rng);
    assert!(t.iter().all(|v| v.abs() <= 1.0));
    let u = Init::Uniform { limit: 0.25 }.matrix(60, 50, &mut rng);
    assert!(u.iter().all(|v| v.abs() <= 0.25) && u.iter().any(|v| v.abs() > 0.2));
    // Orthogonal: QᵀQ = I for a tall matrix, QQᵀ = I for a wide one, scaled by gain².
    for (rows, cols) in [(40, 7), (7, 40), (16, 16)] {
        let q = Init::Orthogonal { gain: 2.0 }.matrix(rows, cols, &mut rng);
        let gram: Matrix = if rows >= cols { q.transpose() * &q } else { &q * q.transpose() };
        for i in 0..gram.nrows() {
            for j in 0..gram.ncols() {
                let expected = if i == j { 4.0 } else { 0.0 };
                assert!((gram[(i, j)] - expected).abs() < 1e-4, "{rows}x{cols}: {}", gram[(i, j)]);
            }
        }
    }
}

#[test]
fn rand_distributions_draw_from_dendrites_generator_reproducibly() {
    let normal = Normal::new(3.0, 0.5).unwrap();
    let draw = |seed| {
        let mut rng = Rng::seed_from_u64(seed);
        let z: Vec<f64> = normal.sample_iter(&mut rng).take(1000).collect();
        let k: Vec<u32> = (0..10).map(|_| rng.random_range(0..7)).collect();
        let u = Uniform::new(-1.0f32, 1.0).unwrap().sample(&mut rng);
        (z, k, u)
    };
    let (z, k, u) = draw(11);
    assert_eq!((z.clone(), k.clone(), u), draw(11));
    assert_ne!(z, draw(12).0);
    assert!(k.iter().all(|&k| k < 7) && (-1.0..1.0).contains(&u));
    let mean = z.iter().sum::<f64>() / z.len() as f64;
    assert!((mean - 3.0).abs() < 0.05, "{mean}");

    // Dendrite's own normal as a rand distribution: the same deviates as the generator's.
    let mut a = Rng::seed_from_u64(5);
    let mut b = Rng::seed_from_u64(5);
    for _ in 0..100 {
        let z: f64 = StandardNormal.sample(&mut a);
        assert_eq!(z.to_bits(), b.normal_f64().to_bits());
    }
}

#[test]
fn seedable_rng_gives_dendrites_streams() {
    // `SeedableRng::seed_from_u64` is Dendrite's SplitMix64 expansion, not rand's default.
    let mut ours = <Rng as SeedableRng>::seed_from_u64(9);
    assert_eq!(ours.next_u64(), Rng::seed_from_u64(9).next_u64());
    // `from_seed` takes the PCG state and stream, little-endian.
    let mut seed = [0u8; 32];
    seed[0] = 42;
    seed[16] = 54;
    let mut rng = Rng::from_seed(seed);
    assert_eq!(rng.next_u64(), Rng::from_pcg(42, 54).next_u64());
}

#[test]
fn initializers_and_shuffles_take_any_rand_generator() {
    let matrix = |seed| Init::GlorotUniform.matrix(5, 6, &mut StdRng::seed_from_u64(seed));
    assert_eq!(matrix(1), matrix(1));
    assert_ne!(matrix(1), matrix(2));
    let mut order: Vec<usize> = (0..50).collect();
    shuffle(&mut StdRng::seed_from_u64(3), &mut order);
    let mut again: Vec<usize> = (0..50).collect();
    shuffle(&mut StdRng::seed_from_u64(3), &mut again);
    assert_eq!(order, again);
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    assert_ne!(order, sorted);
    assert_eq!(below(&mut StdRng::seed_from_u64(0), 0), None);
    // The generic source and Dendrite's own draws agree on Dendrite's generator.
    let mut a = Rng::seed_from_u64(6);
    let mut b = Rng::seed_from_u64(6);
    assert_eq!(RandomSource::uniform(&mut a).to_bits(), b.uniform_f64().to_bits());
    assert_eq!(RandomSource::standard_normal(&mut a).to_bits(), b.normal_f64().to_bits());
}
