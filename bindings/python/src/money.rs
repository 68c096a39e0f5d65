//! Money and numbers across the boundary: `decimal.Decimal` (or `int`, or a
//! strict decimal string) in, `decimal.Decimal` out. A `float` is refused
//! with `TypeError`: binary floating point cannot hold 0.10 exactly.

use std::str::FromStr;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};
use rust_decimal::Decimal;

use ratepayer::money::parse_decimal;
use ratepayer::{Currency, Money};

use crate::errors::{money_error, Raise};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `decimal.Decimal` class.
pub fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// The `TypeError` for a float given where an exact number is needed.
pub fn float_refused(what: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "`{what}` is a float; floats cannot hold amounts exactly. Pass a decimal.Decimal \
         (Decimal(\"12.34\")), an int, or a string such as \"12.34\""
    ))
}

/// An exact number from Python: `decimal.Decimal`, `int` or a plain decimal
/// string (`"12.34"`). `float` and `bool` are refused with `TypeError`.
pub fn to_decimal(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Decimal> {
    if obj.is_instance_of::<PyFloat>() {
        return Err(float_refused(what));
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "`{what}` is a bool; pass a decimal.Decimal, an int or a decimal string"
        )));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(v) = obj.extract::<i64>() {
            return Ok(Decimal::from(v));
        }
        let text = obj.str()?;
        return Decimal::from_str(&text.to_cow()?)
            .map_err(|_| out_of_range(what, &text.to_cow().unwrap_or_default()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return parse_decimal(&s.to_cow()?).map_err(|e| money_error(&e));
    }
    if obj.is_instance(decimal_type(obj.py())?)? {
        if !obj.call_method0("is_finite")?.is_truthy()? {
            return Err(Raise::new::<crate::errors::MoneyError>(
                "money.malformed",
                format!(
                    "`{what}` is not a finite number; pass a number such as Decimal(\"12.34\")"
                ),
            )
            .into());
        }
        let text = obj.str()?;
        let text = text.to_cow()?;
        return Decimal::from_str(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .map_err(|_| out_of_range(what, &text));
    }
    Err(PyTypeError::new_err(format!(
        "`{what}` must be a decimal.Decimal, an int or a decimal string, not {}",
        obj.get_type().name()?
    )))
}

fn out_of_range(what: &str, text: &str) -> PyErr {
    let shown: String = text.chars().take(40).collect();
    Raise::new::<crate::errors::MoneyError>(
        "money.overflow",
        format!("`{what}` {shown} is out of range; at most 28 significant digits are supported"),
    )
    .into()
}

/// An optional exact number (None stays None).
pub fn to_decimal_opt(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Decimal>> {
    match obj {
        Some(o) if !o.is_none() => to_decimal(o, what).map(Some),
        _ => Ok(None),
    }
}

/// A `decimal.Decimal` for a Rust decimal.
pub fn py_decimal<'py>(py: Python<'py>, d: Decimal) -> PyResult<Bound<'py, PyAny>> {
    decimal_type(py)?.call1((d.to_string(),))
}

/// A `decimal.Decimal` for an amount of money, written with the currency's
/// minor units (`Decimal("13.10")`, never `Decimal("13.1")`).
pub fn py_money<'py>(py: Python<'py>, m: &Money) -> PyResult<Bound<'py, PyAny>> {
    decimal_type(py)?.call1((m.to_decimal_string(),))
}

/// A currency from its ISO 4217 code.
pub fn currency(code: &str) -> PyResult<Currency> {
    Currency::from_code(code).map_err(|e| money_error(&e))
}

/// Money from Python in `currency`: the amount is refused when it has more
/// decimals than the currency's minor units.
pub fn to_money(obj: &Bound<'_, PyAny>, currency: Currency, what: &str) -> PyResult<Money> {
    let d = to_decimal(obj, what)?;
    let m = Money::new(d, currency);
    if !m.is_rounded() {
        return Err(money_error(&ratepayer::MoneyError::TooManyDecimals {
            input: d.to_string(),
            max: currency.minor_units(),
        }));
    }
    Ok(m)
}

/// Parses an amount typed by a person, strictly (`"12.34"` yes; `"1,234.56"`,
/// `"12,34"`, `".5"`, `"1e3"` and more decimals than the currency has, no),
/// as `decimal.Decimal`; raises `MoneyError` saying how to write it.
#[pyfunction]
#[pyo3(signature = (text, currency = "USD"))]
pub fn parse_money<'py>(
    py: Python<'py>,
    text: &str,
    currency: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let m = Money::parse(text, self::currency(currency)?).map_err(|e| money_error(&e))?;
    py_money(py, &m)
}
