//! The book's data sets, bit for bit: every array in `tests/fixtures/nnfs-datasets.json` against
//! `dendrite-data`'s NumPy-compatible generator and data set functions.
//!
//! The file holds what the Python `nnfs` package (0.5.1) and NumPy's legacy `RandomState` make
//! after `nnfs.init()`, which seeds NumPy with `np.random.seed(0)`. Its note says that each
//! case continues the same stream; by experiment, every case starts from a fresh seed (the seed
//! its name gives, `seedN`, else 0) except those named `then_…`, which continue the stream that
//! the case before them in the file left: `then_vertical_data_4_2` is `vertical_data(4, 2)` drawn
//! right after `spiral_data(5, 3)`. The cases are read in file order and dispatched on their
//! names, so a case that no check recognizes is a failure, and so is a file without cases.

use std::error::Error;
use std::fmt;

use dendrite_data::{NumpyRng, sine_data, spiral_data, vertical_data};
use dendrite_tensor::Matrix;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/nnfs-datasets.json");

/// The top-level object's entries in file order (serde_json's own map sorts its keys).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;
        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor)
    }
}

fn fail<T>(case: &str, message: impl fmt::Display) -> TestResult<T> {
    Err(format!("{case}: {message}").into())
}

fn field<'a>(case: &str, value: &'a Value, key: &str) -> TestResult<&'a Value> {
    value.get(key).ok_or_else(|| format!("{case}: no field `{key}`").into())
}

fn array<'a>(case: &str, value: &'a Value) -> TestResult<&'a Vec<Value>> {
    value.as_array().ok_or_else(|| format!("{case}: expected an array, got {value}").into())
}

fn number(case: &str, value: &Value) -> TestResult<f64> {
    value.as_f64().ok_or_else(|| format!("{case}: expected a number, got {value}").into())
}

fn integer(case: &str, value: &Value) -> TestResult<u64> {
    value.as_u64().ok_or_else(|| format!("{case}: expected an integer, got {value}").into())
}

/// The number after `prefix` in one of the name's `_`-separated parts (`seed0` → 0).
fn parameter(name: &str, prefix: &str) -> Option<String> {
    name.split('_').find_map(|part| part.strip_prefix(prefix)).map(str::to_owned)
}

fn parsed<T: std::str::FromStr>(case: &str, prefix: &str) -> TestResult<T> {
    let text = parameter(case, prefix).ok_or_else(|| format!("{case}: no `{prefix}` in the name"))?;
    text.parse().map_err(|_| format!("{case}: `{prefix}{text}` is not a number").into())
}

/// The last two `_`-separated numbers of a data set name: `spiral_data_5_3` → (5, 3).
fn samples_and_classes(case: &str, base: &str) -> TestResult<(usize, usize)> {
    let parts: Vec<&str> = base.rsplitn(3, '_').collect();
    match parts.as_slice() {
        [classes, samples, _] => Ok((samples.parse()?, classes.parse()?)),
        _ => fail(case, "expected a name ending in _SAMPLES_CLASSES"),
    }
}

/// One golden entry against ours: exact `f32` bits. A float64 golden array is compared after
/// rounding it to `f32` (what our `f32` matrices hold); a float32 one must already be an `f32`.
fn check_value(case: &str, at: &str, ours: f32, golden: f64, float64: bool) -> TestResult {
    let rounded = golden as f32;
    if !float64 && f64::from(rounded) != golden {
        return fail(case, format!("{at}: golden {golden} is not a float32 value"));
    }
    if ours.to_bits() != rounded.to_bits() {
        return fail(case, format!("{at}: ours {ours:e}, golden {golden:e} (as f32 {rounded:e})"));
    }
    Ok(())
}

/// A golden matrix (a list of rows) against ours, element by element.
fn check_matrix(case: &str, what: &str, ours: &Matrix, golden: &Value, float64: bool) -> TestResult {
    let rows = array(case, golden)?;
    if rows.len() != ours.nrows() {
        return fail(case, format!("{what}: {} rows, golden has {}", ours.nrows(), rows.len()));
    }
    for (i, row) in rows.iter().enumerate() {
        let row = array(case, row)?;
        if row.len() != ours.ncols() {
            return fail(case, format!("{what} row {i}: {} columns, golden has {}", ours.ncols(), row.len()));
        }
        for (j, v) in row.iter().enumerate() {
            check_value(case, &format!("{what}[{i}, {j}]"), ours[(i, j)], number(case, v)?, float64)?;
        }
    }
    Ok(())
}

fn check_labels(case: &str, ours: &[usize], golden: &Value) -> TestResult {
    let golden = array(case, golden)?.iter().map(|v| integer(case, v)).collect::<TestResult<Vec<u64>>>()?;
    let ours: Vec<u64> = ours.iter().map(|&c| c as u64).collect();
    if ours != golden {
        return fail(case, format!("labels {ours:?}, golden {golden:?}"));
    }
    Ok(())
}

fn is_float64(case: &str, value: &Value) -> TestResult<bool> {
    match value.get("dtype").map(Value::as_str) {
        None | Some(Some("float32")) => Ok(false),
        Some(Some("float64")) => Ok(true),
        Some(other) => fail(case, format!("unknown dtype {other:?}")),
    }
}

/// NumPy's sum of a float64 array (`X[:, 0].sum(dtype=np.float64)`): the first element, plus the
/// pairwise sum of the rest (blocks of up to 128 summed with eight accumulators).
fn numpy_sum_f64(values: &[f64]) -> f64 {
    fn pairwise(a: &[f64]) -> f64 {
        let n = a.len();
        if n < 8 {
            a.iter().fold(-0.0, |s, &v| s + v)
        } else if n <= 128 {
            let mut r = [0.0; 8];
            r.copy_from_slice(&a[..8]);
            let blocks = n - n % 8;
            for chunk in a[8..blocks].chunks_exact(8) {
                for (acc, &v) in r.iter_mut().zip(chunk) {
                    *acc += v;
                }
            }
            let head = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            a[blocks..].iter().fold(head, |s, &v| s + v)
        } else {
            let half = n / 2 - (n / 2) % 8;
            pairwise(&a[..half]) + pairwise(&a[half..])
        }
    }
    match values.split_first() {
        Some((&first, rest)) => first + pairwise(rest),
        None => 0.0,
    }
}

fn check_uint32(case: &str, golden: &Value, rng: &mut NumpyRng) -> TestResult {
    for (i, v) in array(case, golden)?.iter().enumerate() {
        let (ours, golden) = (u64::from(rng.next_u32()), integer(case, v)?);
        if ours != golden {
            return fail(case, format!("draw {i}: ours {ours}, golden {golden}"));
        }
    }
    Ok(())
}

fn check_randn_f64(case: &str, golden: &Value, rng: &mut NumpyRng) -> TestResult {
    for (i, v) in array(case, golden)?.iter().enumerate() {
        let (ours, golden) = (rng.standard_normal(), number(case, v)?);
        if ours.to_bits() != golden.to_bits() {
            return fail(case, format!("draw {i}: ours {ours:e}, golden {golden:e}"));
        }
    }
    Ok(())
}

fn check_binomial(case: &str, golden: &Value, rng: &mut NumpyRng) -> TestResult {
    let (n, p): (u64, f64) = (parsed(case, "n")?, parsed(case, "p")?);
    for (i, v) in array(case, golden)?.iter().enumerate() {
        let (ours, golden) = (rng.binomial(n, p)?, integer(case, v)?);
        if ours != golden {
            return fail(case, format!("draw {i}: ours {ours}, golden {golden}"));
        }
    }
    Ok(())
}

fn check_data_set(case: &str, golden: &Value, x: &Matrix, y: &[usize]) -> TestResult {
    let float64 = is_float64(case, golden)?;
    check_matrix(case, "X", x, field(case, golden, "X")?, float64)?;
    check_labels(case, y, field(case, golden, "y")?)
}

fn check_sine(case: &str, golden: &Value) -> TestResult {
    let samples = case.rsplit('_').next().unwrap_or_default();
    let (x, y) = sine_data(samples.parse().map_err(|_| format!("{case}: no sample count at the end"))?);
    let float64 = is_float64(case, golden)?;
    check_matrix(case, "X", &x, field(case, golden, "X")?, float64)?;
    check_matrix(case, "y", &y, field(case, golden, "y")?, float64)
}

/// First and last rows exactly; the column sums, which NumPy took in float64 (they are not
/// float32 values), exactly too. Widened to f64, these f32 values add up without a rounding
/// error in any order (NumPy's pairwise order, left to right and right to left all give the
/// same double), so the sums pin down all 2 × samples · classes values, not just the ends.
fn check_spiral_summary(case: &str, golden: &Value, rng: &mut NumpyRng) -> TestResult {
    let base = case.strip_suffix("_summary").unwrap_or(case);
    let (samples, classes) = samples_and_classes(case, base)?;
    let (x, _) = spiral_data(samples, classes, rng);
    let rows = x.nrows();
    if rows == 0 {
        return fail(case, "a summary of an empty data set");
    }
    for (key, row) in [("first", 0), ("last", rows - 1)] {
        let values = array(case, field(case, golden, key)?)?;
        if values.len() != 2 {
            return fail(case, format!("`{key}` has {} values, not 2", values.len()));
        }
        for (j, v) in values.iter().enumerate() {
            check_value(case, &format!("{key}[{j}]"), x[(row, j)], number(case, v)?, false)?;
        }
    }
    for (key, col) in [("sum_x0", 0), ("sum_x1", 1)] {
        let values: Vec<f64> = x.column(col).iter().map(|&v| f64::from(v)).collect();
        let (ours, golden) = (numpy_sum_f64(&values), number(case, field(case, golden, key)?)?);
        if ours.to_bits() != golden.to_bits() {
            return fail(case, format!("{key}: ours {ours:e}, golden {golden:e}"));
        }
    }
    Ok(())
}

/// Checks one case against the stream in `rng`; `Ok(false)` for the file's metadata fields.
fn check_case(case: &str, golden: &Value, rng: &mut NumpyRng) -> TestResult<bool> {
    let name = case.strip_prefix("then_").unwrap_or(case);
    if name.starts_with("uint32_") {
        check_uint32(case, golden, rng)?;
    } else if name.starts_with("randn_f64_") {
        check_randn_f64(case, golden, rng)?;
    } else if name.starts_with("binomial_") {
        check_binomial(case, golden, rng)?;
    } else if name.starts_with("spiral_data_") && name.ends_with("_summary") {
        check_spiral_summary(case, golden, rng)?;
    } else if name.starts_with("spiral_data_") {
        let (samples, classes) = samples_and_classes(case, name)?;
        let (x, y) = spiral_data(samples, classes, rng);
        check_data_set(case, golden, &x, &y)?;
    } else if name.starts_with("vertical_data_") {
        let (samples, classes) = samples_and_classes(case, name)?;
        let (x, y) = vertical_data(samples, classes, rng);
        check_data_set(case, golden, &x, &y)?;
    } else if name.starts_with("sine_data_") {
        check_sine(case, golden)?;
    } else if case == "format" || case == "note" {
        return Ok(false);
    } else {
        return fail(case, "no check knows this case");
    }
    Ok(true)
}

/// Checks every case of a golden file's text; the names of the cases checked.
fn check_golden(text: &str) -> TestResult<Vec<String>> {
    let Ordered(entries) = serde_json::from_str(text)?;
    let format = entries.iter().find(|(k, _)| k == "format").and_then(|(_, v)| v.as_u64());
    if format != Some(1) {
        return Err(format!("expected \"format\": 1, got {format:?}").into());
    }
    let mut rng = NumpyRng::new(0);
    let mut checked = Vec::new();
    for (case, golden) in &entries {
        if !case.starts_with("then_") {
            rng = NumpyRng::new(parameter(case, "seed").map_or(Ok(0), |s| s.parse())?);
        }
        if check_case(case, golden, &mut rng)? {
            checked.push(case.clone());
        }
    }
    if checked.is_empty() {
        return Err("the file holds no case".into());
    }
    Ok(checked)
}

#[test]
fn every_golden_array_is_reproduced_bit_for_bit() -> TestResult {
    let text = std::fs::read_to_string(GOLDEN)?;
    let checked = check_golden(&text).map_err(|e| format!("{GOLDEN}: {e}"))?;
    eprintln!("checked {} cases: {}", checked.len(), checked.join(", "));
    Ok(())
}

#[test]
fn files_without_cases_or_with_unknown_ones_fail() {
    assert!(check_golden(r#"{"format": 1, "note": "nothing"}"#).is_err());
    assert!(check_golden(r#"{"format": 1, "mystery_case": [1, 2]}"#).is_err());
    assert!(check_golden(r#"{"format": 2, "uint32_seed0_first1": [2357136044]}"#).is_err());
    assert!(check_golden(r#"{"format": 1, "uint32_seed0_first1": [2357136045]}"#).is_err());
    assert!(check_golden(r#"{"format": 1, "uint32_seed0_first1": [2357136044]}"#).is_ok());
}

#[test]
fn numpy_sum_adds_the_rest_pairwise() {
    assert_eq!(numpy_sum_f64(&[1.0, 2.0, 3.0]), 6.0);
    assert_eq!(numpy_sum_f64(&[]), 0.0);
    // Ones added one by one to 1e17 (whose ulp is 16) vanish; summed pairwise first, they count.
    let mut v = vec![1.0e17];
    v.extend(std::iter::repeat_n(1.0, 300));
    assert_eq!(numpy_sum_f64(&v), 1.0e17 + 300.0);
    assert_eq!(v.iter().sum::<f64>(), 1.0e17);
}
