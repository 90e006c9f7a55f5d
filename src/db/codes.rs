//! Columns read back as typed values: a stored code as its enum, a JSON
//! column as its value. A code that names no value, or JSON that does not
//! parse, is a deserialisation error — answered 500 and logged — never a
//! default: an unknown agreement status must not read as an editable draft.
//! The tables' CHECK constraints keep such values out; this does not rely
//! on them.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::sql_types::Text;
use serde::de::DeserializeOwned;

use crate::domain::StoredCode;
use crate::domain::clock::ClockTime;
use crate::domain::committee::NumberPattern;

/// A stored code, read as the value it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, FromSqlRow)]
pub struct Code<T>(pub T);

impl<T: StoredCode> Code<T> {
    /// The value.
    pub fn get(self) -> T {
        self.0
    }

    /// The code as stored.
    pub fn as_str(&self) -> &'static str {
        self.0.as_code()
    }
}

impl<T: StoredCode, DB: Backend> FromSql<Text, DB> for Code<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let code = String::from_sql(bytes)?;
        T::from_code(&code).map(Code).ok_or_else(|| format!("unknown {} code {code:?} in the database", T::NAME).into())
    }
}

impl<T: StoredCode> fmt::Display for Code<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T: StoredCode> PartialEq<&str> for Code<T> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<T: StoredCode> serde::Serialize for Code<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A JSON column, read as the value it holds.
#[derive(Debug, Clone, PartialEq, FromSqlRow)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, DB: Backend> FromSql<Text, DB> for Json<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        serde_json::from_str(&text).map(Json).map_err(|e| format!("corrupt JSON in the database: {e}").into())
    }
}

/// A value stored as text in a form of its own (a clock time, a case number
/// pattern), read back parsed.
pub trait FromStored: Sized {
    /// The type's name, for messages about text that does not parse.
    const NAME: &'static str;
    /// The value the stored text holds.
    fn from_stored(text: &str) -> Option<Self>;
}

impl FromStored for ClockTime {
    const NAME: &'static str = "clock time";

    fn from_stored(text: &str) -> Option<Self> {
        ClockTime::parse(text).ok()
    }
}

impl FromStored for NumberPattern {
    const NAME: &'static str = "case number pattern";

    fn from_stored(text: &str) -> Option<Self> {
        NumberPattern::parse(text).ok()
    }
}

/// Stored text, read as the value it holds.
#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow)]
pub struct Parsed<T>(pub T);

impl<T: FromStored, DB: Backend> FromSql<Text, DB> for Parsed<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        T::from_stored(&text)
            .map(Parsed)
            .ok_or_else(|| format!("unreadable {} {text:?} in the database", T::NAME).into())
    }
}
