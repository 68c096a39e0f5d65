"""ratepayer: utility-billing rules from Rust, for Python back-office tools.

Tariffs and bills, convenience-fee quotes, password policy checks,
registration recipes, AutoPay draft dates and banking calendars, computed by
the ratepayer Rust core. Money is ``decimal.Decimal`` (a float is refused
with ``TypeError``), dates are ``datetime.date``, instants are timezone-aware
``datetime.datetime``. Every error is a ``RatepayerError`` with a stable
``.code``.

>>> import ratepayer
>>> from datetime import date
>>> water = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
>>> bill = water.bill(start=date(2025, 10, 1), end=date(2025, 10, 31),
...                   usage=7400, unit="gal", meter_size="5/8")
>>> bill.total
Decimal('57.22')
"""

from ratepayer._ratepayer import (
    AccountRecord,
    AutopayError,
    BatchResult,
    Bill,
    BillError,
    BillLine,
    Calendar,
    CalendarError,
    FeeError,
    FeeQuote,
    Meter,
    MeterError,
    MoneyError,
    PasswordCheck,
    PasswordFailure,
    PasswordPolicyError,
    Problem,
    Profile,
    ProfileError,
    RatepayerError,
    Read,
    Registration,
    RegistrationError,
    StorageError,
    Tariff,
    TariffError,
    __version__,
    parse_money,
    validate,
)

__all__ = [
    "AccountRecord",
    "AutopayError",
    "BatchResult",
    "Bill",
    "BillError",
    "BillLine",
    "Calendar",
    "CalendarError",
    "FeeError",
    "FeeQuote",
    "Meter",
    "MeterError",
    "MoneyError",
    "PasswordCheck",
    "PasswordFailure",
    "PasswordPolicyError",
    "Problem",
    "Profile",
    "ProfileError",
    "RatepayerError",
    "Read",
    "Registration",
    "RegistrationError",
    "StorageError",
    "Tariff",
    "TariffError",
    "__version__",
    "parse_money",
    "validate",
]
