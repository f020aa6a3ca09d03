//! Serde encodings that store large numeric arrays as one little-endian byte string.
//!
//! Serde's default encoding visits a `Vec<f32>` one element at a time; a model holds
//! millions of weights, and decoding them element by element was most of the time it took
//! `predict` to start. As a byte string, postcard hands the decoder a borrowed slice of the
//! file, which is checked against the bytes actually present before anything is allocated
//! and then converted in one pass. Use with `#[serde(with = "crate::packed::f32s")]` (for
//! `Vec<f32>`), `packed::u32s`, `packed::array1` or `packed::array2`.

use ndarray::{Array1, Array2};
use serde::de::{Error as _, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

/// Plain little-endian numbers that fit in four bytes.
trait Word: Copy {
    const NAME: &'static str;
    const ZERO: Self;
    fn to_le(self) -> [u8; 4];
    fn from_le(bytes: [u8; 4]) -> Self;
}

impl Word for f32 {
    const NAME: &'static str = "f32";
    const ZERO: f32 = 0.0;
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
    fn from_le(bytes: [u8; 4]) -> Self {
        f32::from_le_bytes(bytes)
    }
}

impl Word for u32 {
    const NAME: &'static str = "u32";
    const ZERO: u32 = 0;
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
    fn from_le(bytes: [u8; 4]) -> Self {
        u32::from_le_bytes(bytes)
    }
}

fn serialize_words<W: Word, S: Serializer>(values: &[W], s: S) -> Result<S::Ok, S::Error> {
    // Filling a preallocated buffer compiles to a straight copy (as in the decoder below);
    // pushing four bytes at a time did not, and was most of the time a save took.
    let mut bytes = vec![0u8; values.len() * 4];
    for (c, v) in bytes.chunks_exact_mut(4).zip(values) {
        c.copy_from_slice(&v.to_le());
    }
    s.serialize_bytes(&bytes)
}

/// Accepts the byte string (borrowed from the input when the format allows it).
struct WordsVisitor<W>(std::marker::PhantomData<W>);

impl<'de, W: Word> Visitor<'de> for WordsVisitor<W> {
    type Value = Vec<W>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a byte string of little-endian {} values", W::NAME)
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<W>, E> {
        if bytes.len() % 4 != 0 {
            return Err(E::custom(format!(
                "{}-byte array of {} values is not a multiple of 4 bytes",
                bytes.len(),
                W::NAME
            )));
        }
        // Filling a preallocated buffer compiles to a straight copy; collecting from the
        // chunk iterator did not, and was most of the load time.
        let mut values = vec![W::ZERO; bytes.len() / 4];
        for (v, c) in values.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = W::from_le([c[0], c[1], c[2], c[3]]);
        }
        Ok(values)
    }

    fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<W>, E> {
        self.visit_bytes(&bytes)
    }
}

fn deserialize_words<'de, W: Word, D: Deserializer<'de>>(d: D) -> Result<Vec<W>, D::Error> {
    d.deserialize_bytes(WordsVisitor(std::marker::PhantomData))
}

/// `Vec<f32>` as one byte string.
pub mod f32s {
    use serde::{Deserializer, Serializer};

    /// Writes the values as little-endian bytes.
    pub fn serialize<S: Serializer>(values: &[f32], s: S) -> Result<S::Ok, S::Error> {
        super::serialize_words(values, s)
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        super::deserialize_words(d)
    }
}

/// `Vec<u32>` as one byte string.
pub mod u32s {
    use serde::{Deserializer, Serializer};

    /// Writes the values as little-endian bytes.
    pub fn serialize<S: Serializer>(values: &[u32], s: S) -> Result<S::Ok, S::Error> {
        super::serialize_words(values, s)
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
        super::deserialize_words(d)
    }
}

/// `Array1<f32>` as one byte string (its length is the shape).
pub mod array1 {
    use super::*;

    /// Writes the values as little-endian bytes.
    pub fn serialize<S: Serializer>(a: &Array1<f32>, s: S) -> Result<S::Ok, S::Error> {
        match a.as_slice() {
            Some(values) => serialize_words(values, s),
            None => serialize_words(&a.to_vec(), s),
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array1<f32>, D::Error> {
        deserialize_words(d).map(Array1::from)
    }
}

/// `Array2<f32>` as its shape followed by one byte string of the values in row-major order.
pub mod array2 {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize)]
    struct Ref<'a> {
        rows: u64,
        cols: u64,
        #[serde(with = "super::f32s")]
        values: &'a [f32],
    }

    #[derive(Deserialize)]
    struct Owned {
        rows: u64,
        cols: u64,
        #[serde(with = "super::f32s")]
        values: Vec<f32>,
    }

    /// Writes the shape and the values.
    pub fn serialize<S: Serializer>(a: &Array2<f32>, s: S) -> Result<S::Ok, S::Error> {
        let standard;
        let values = match a.as_slice() {
            Some(v) => v,
            None => {
                standard = a.as_standard_layout().to_owned();
                standard.as_slice().expect("standard layout is contiguous")
            }
        };
        Ref {
            rows: a.nrows() as u64,
            cols: a.ncols() as u64,
            values,
        }
        .serialize(s)
    }

    /// Reads what [`serialize`] wrote; the shape must match the number of values.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array2<f32>, D::Error> {
        let o = Owned::deserialize(d)?;
        let shape_ok = o
            .rows
            .checked_mul(o.cols)
            .is_some_and(|n| n == o.values.len() as u64);
        if !shape_ok {
            return Err(D::Error::custom(format!(
                "{} × {} array holds {} values",
                o.rows,
                o.cols,
                o.values.len()
            )));
        }
        Array2::from_shape_vec((o.rows as usize, o.cols as usize), o.values)
            .map_err(|e| D::Error::custom(format!("array shape: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "f32s")]
        floats: Vec<f32>,
        #[serde(with = "u32s")]
        ints: Vec<u32>,
        #[serde(with = "array1")]
        a1: Array1<f32>,
        #[serde(with = "array2")]
        a2: Array2<f32>,
    }

    fn sample() -> Sample {
        Sample {
            floats: vec![1.5, -0.0, f32::MIN_POSITIVE, 3e38],
            ints: vec![0, 7, u32::MAX],
            a1: Array1::from(vec![0.25, -2.0]),
            a2: Array2::from_shape_vec((2, 3), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap(),
        }
    }

    #[test]
    fn round_trips_bit_for_bit() {
        let s = sample();
        let bytes = postcard::to_stdvec(&s).unwrap();
        let back: Sample = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.floats[1].to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn floats_are_little_endian_bytes_after_a_length() {
        #[derive(Serialize)]
        struct One(#[serde(with = "f32s")] Vec<f32>);
        let bytes = postcard::to_stdvec(&One(vec![1.0])).unwrap();
        assert_eq!(bytes, [4, 0x00, 0x00, 0x80, 0x3f]);
    }

    #[test]
    fn refuses_a_length_that_is_not_whole_values() {
        #[derive(Debug, Deserialize)]
        struct One(
            #[serde(with = "f32s")]
            #[allow(dead_code)]
            Vec<f32>,
        );
        let err = postcard::from_bytes::<One>(&[3, 1, 2, 3]).unwrap_err();
        assert!(err.to_string().contains("Serde"), "{err}");
    }

    #[test]
    fn refuses_a_shape_that_disagrees_with_the_values() {
        let mut s = sample();
        s.a2 = Array2::zeros((2, 2));
        let mut bytes = postcard::to_stdvec(&s).unwrap();
        // The shape (2, 2) sits right after the a1 field; claim 3 rows instead.
        let a1_end = 1 + 16 + 1 + 12 + 1 + 8;
        assert_eq!(&bytes[a1_end..a1_end + 2], &[2, 2]);
        bytes[a1_end] = 3;
        assert!(postcard::from_bytes::<Sample>(&bytes).is_err());
    }

    #[test]
    fn a_forged_huge_length_fails_without_allocating_it() {
        // varint for 2^40 bytes, then almost nothing.
        let mut bytes = vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
        bytes.extend_from_slice(&[0; 8]);
        assert!(postcard::from_bytes::<Sample>(&bytes).is_err());
    }
}
