//! Deserializing vectors without trusting their length prefix.
//!
//! serde's `Vec` reserves room for as many elements as the input claims, up to 1 MiB, before it
//! reads one. For files from elsewhere that is a megabyte per claimed vector, whatever the
//! file's size. These helpers (for `#[serde(deserialize_with = "…")]`) reserve at most 4 KiB up
//! front and grow only as elements actually decode, so memory follows the bytes present.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

/// Bytes reserved up front at most.
const UPFRONT: usize = 4096;

struct BoundedVec<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for BoundedVec<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let cap = seq.size_hint().unwrap_or(0).min(UPFRONT / std::mem::size_of::<T>().max(1));
        let mut out = Vec::with_capacity(cap);
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }
}

/// A `Vec<T>` whose up-front reservation is bounded (see the module docs).
///
/// # Errors
/// The deserializer's error for malformed input.
pub fn bounded_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_seq(BoundedVec(PhantomData))
}

/// A vector element that is itself a bounded vector.
struct Inner<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Inner<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bounded_vec(d).map(Inner)
    }
}

/// A `Vec<Vec<T>>` bounded at both levels.
///
/// # Errors
/// The deserializer's error for malformed input.
pub fn bounded_vec_of_vecs<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<Vec<T>>, D::Error> {
    let outer: Vec<Inner<T>> = bounded_vec(d)?;
    Ok(outer.into_iter().map(|i| i.0).collect())
}

/// An `Option<Vec<T>>` whose vector is bounded.
///
/// # Errors
/// The deserializer's error for malformed input.
pub fn bounded_option_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Ok(Option::<Inner<T>>::deserialize(d)?.map(|i| i.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "bounded_vec")]
        values: Vec<u64>,
        #[serde(deserialize_with = "bounded_vec_of_vecs")]
        nested: Vec<Vec<u8>>,
        #[serde(deserialize_with = "bounded_option_vec")]
        names: Option<Vec<String>>,
    }

    #[test]
    fn reads_what_serde_reads() {
        let h = Holder {
            values: vec![1, 2, 3],
            nested: vec![vec![4], vec![], vec![5, 6]],
            names: Some(vec!["a".to_owned()]),
        };
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<Holder>(&json).unwrap(), h);
    }
}
