//! # ratepayer-ffi
//!
//! The uniffi surface of ratepayer for Kotlin and Swift (proc-macros, no
//! UDL). Thin wrapper types, one module per core module; every exported
//! function that can fail returns `Result<_, RatepayerError>`, the one public
//! error type. The API is synchronous and every object is `Send + Sync`.
//!
//! Types that cross the boundary:
//! - decimals ([`money::ExactDecimal`]) travel as decimal strings; Kotlin sees
//!   `java.math.BigDecimal` (uniffi.toml custom type), Swift a `String`;
//! - dates ([`calendar::IsoDate`]) travel as ISO `YYYY-MM-DD` strings; Kotlin
//!   sees `java.time.LocalDate`, Swift a `String`;
//! - local date-times ([`calendar::IsoDateTime`], the start of interval
//!   meter data) travel as ISO `YYYY-MM-DDTHH:MM:SS` strings; Kotlin sees
//!   `java.time.LocalDateTime`, Swift a `String`;
//! - interval meter data ([`electric`]) is a primitive array of doubles
//!   (Kotlin `List<Double>`, Swift `[Double]`), each read by its shortest
//!   decimal form, as the Python binding reads a `float`;
//! - amounts a user typed are `String` parameters parsed inside the call, so a
//!   bad amount raises `RatepayerError.Money`, never an internal error.
//!
//! A Rust panic is caught by uniffi at the boundary and raised as an internal
//! exception (`InternalException` in Kotlin); the wrappers themselves never
//! panic (workspace lints deny unwrap, expect and panic).
//!
//! An app implements [`registration::AccountDirectory`] in Kotlin or Swift
//! (`#[uniffi::export(with_foreign)]`); an exception it throws comes back as
//! `RatepayerError.Store`. The portal service ([`portal::Portal`]) runs over
//! a SQLite file, a PostgreSQL database given its URL ([`portal_open`], the
//! default `postgres` feature) or over a store the app implements
//! ([`store::ForeignKvStore`], a small transactional key-value interface the
//! core's `KvStore` maps the whole storage port onto).

uniffi::setup_scaffolding!("ratepayer");

pub mod bill;
pub mod calendar;
pub mod electric;
pub mod error;
pub mod fees;
pub mod money;
pub mod password;
pub mod portal;
pub mod portal_open;
pub mod profile;
pub mod registration;
pub mod store;

pub use error::RatepayerError;
