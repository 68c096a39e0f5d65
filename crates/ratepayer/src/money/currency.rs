//! ISO 4217 currencies: the three-letter code and the number of minor units
//! (digits after the decimal point) each one is settled in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::MoneyError;

/// An ISO 4217 currency: its alphabetic code and its minor units
/// (2 for USD's cents, 0 for JPY, 3 for KWD).
///
/// Only codes in ISO 4217's list of active currencies are accepted, so a
/// typo such as `"USS"` is an error rather than a silent new currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u8,
}

/// Currencies whose minor units differ from 2.
const NOT_TWO: &[(&str, u8)] = &[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("CLF", 4),
    ("UYW", 4),
];

/// Active ISO 4217 codes with two minor units.
const TWO: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL \
BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR \
FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT \
LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK \
NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN \
SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW \
ZWG";

impl Currency {
    /// US dollar, 2 minor units.
    pub const USD: Currency = Currency {
        code: *b"USD",
        minor_units: 2,
    };
    /// Euro, 2 minor units.
    pub const EUR: Currency = Currency {
        code: *b"EUR",
        minor_units: 2,
    };
    /// Russian rouble, 2 minor units (kopecks).
    pub const RUB: Currency = Currency {
        code: *b"RUB",
        minor_units: 2,
    };
    /// Canadian dollar, 2 minor units.
    pub const CAD: Currency = Currency {
        code: *b"CAD",
        minor_units: 2,
    };
    /// Japanese yen, 0 minor units.
    pub const JPY: Currency = Currency {
        code: *b"JPY",
        minor_units: 0,
    };

    /// Looks up an ISO 4217 code (upper case, exactly three letters).
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        // The common codes first: stored records name a currency on every amount.
        match code {
            "USD" => return Ok(Currency::USD),
            "EUR" => return Ok(Currency::EUR),
            "RUB" => return Ok(Currency::RUB),
            _ => {}
        }
        let bytes = code.as_bytes();
        let known = || MoneyError::UnknownCurrency {
            code: code.chars().take(16).collect(),
        };
        let [a, b, c] = <[u8; 3]>::try_from(bytes).map_err(|_| known())?;
        if ![a, b, c].iter().all(u8::is_ascii_uppercase) {
            return Err(known());
        }
        let minor_units = NOT_TWO
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, m)| *m)
            .or_else(|| TWO.split_ascii_whitespace().any(|c| c == code).then_some(2))
            .ok_or_else(known)?;
        Ok(Currency {
            code: [a, b, c],
            minor_units,
        })
    }

    /// The three-letter code, for example `"USD"`.
    pub fn code(&self) -> &str {
        // The bytes were checked to be ASCII upper-case letters on construction.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Digits after the decimal point in which this currency is settled.
    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_their_minor_units() {
        assert_eq!(Currency::from_code("USD").map(|c| c.minor_units()), Ok(2));
        assert_eq!(Currency::from_code("JPY").map(|c| c.minor_units()), Ok(0));
        assert_eq!(Currency::from_code("KWD").map(|c| c.minor_units()), Ok(3));
        assert_eq!(Currency::from_code("RUB"), Ok(Currency::RUB));
    }

    #[test]
    fn unknown_or_malformed_codes_are_refused() {
        for bad in ["", "usd", "US", "USDX", "XYZ", "US1", "ÜSD"] {
            assert!(Currency::from_code(bad).is_err(), "{bad} accepted");
        }
    }
}
