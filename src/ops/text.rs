//! CIDs, peer ids and multiaddrs travel as their text forms (`bafy…`, `12D3Koo…`, `/ip4/…`) in requests, results
//! and `--json` output: readable on the wire and in logs, and the same strings users type.
//! Use as `#[serde(with = "text")]`, `text::opt` or `text::vec`.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: Display,
    D: Deserializer<'de>,
{
    let text = String::deserialize(d)?;
    text.parse().map_err(|e| D::Error::custom(format!("{text:?}: {e}")))
}

/// `Option<T>` as text or null.
pub mod opt {
    use super::*;

    pub fn serialize<T: Display, S: Serializer>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        match Option::<String>::deserialize(d)? {
            Some(text) => text.parse().map(Some).map_err(|e| D::Error::custom(format!("{text:?}: {e}"))),
            None => Ok(None),
        }
    }
}

/// `Vec<T>` as a list of texts.
pub mod vec {
    use super::*;

    pub fn serialize<T: Display, S: Serializer>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|v| v.to_string()))
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Vec<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|text| text.parse().map_err(|e| D::Error::custom(format!("{text:?}: {e}"))))
            .collect()
    }
}
