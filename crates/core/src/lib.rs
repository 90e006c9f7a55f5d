//! Hesheng's pure code, with no I/O: the domain's types and rules, the
//! messages in both languages (compiled in from `locales/`), the
//! Chinese line breaking the documents are laid out with, and the HJ 212
//! codec noise monitors speak. The application crate re-exports it; the
//! fuzz targets build against it alone.

#![forbid(unsafe_code)]

rust_i18n::i18n!("../../locales", fallback = "zh-CN");

pub mod domain;
pub mod hj212;
pub mod i18n;
pub mod search;
pub mod text;
