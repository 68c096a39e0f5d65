"""Type stubs of the extension module `ratepayer._ratepayer` (hand-written,
checked by mypy's stubtest in scripts/test-python)."""

import array
import datetime
import os
import pathlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeAlias, final

__all__ = [
    "AccountImport",
    "AccountRecord",
    "AccountSummary",
    "ArrowTable",
    "AuditEvent",
    "AutopayError",
    "BatchResult",
    "Bill",
    "BillError",
    "BillLine",
    "BillTables",
    "BillView",
    "Calendar",
    "CalendarError",
    "CycleReport",
    "DeliveryReport",
    "ElectricMonth",
    "ElectricTariff",
    "Enrolled",
    "FakeProcessor",
    "FeeError",
    "FeeQuote",
    "GenerationMonth",
    "HashParams",
    "HomeView",
    "LoginOutcome",
    "Meter",
    "MeterError",
    "MoneyError",
    "Notice",
    "PasswordCheck",
    "PasswordFailure",
    "PasswordPolicyError",
    "PaymentReceipt",
    "Portal",
    "PortalError",
    "PostedBill",
    "PreparedYear",
    "Problem",
    "Profile",
    "ProfileError",
    "RatepayerError",
    "Read",
    "RecordedResult",
    "Registered",
    "Registration",
    "RegistrationError",
    "SessionInfo",
    "StorageError",
    "Tariff",
    "TariffError",
    "TotpEnrolment",
    "parse_money",
    "validate",
    "__version__",
]

__version__: str

# An exact number: Decimal, int or a plain decimal string. Never a float.
_Exact: TypeAlias = Decimal | int | str

class RatepayerError(Exception):
    code: str
    message: str

class ProfileError(RatepayerError):
    problems: list[Problem]

class TariffError(RatepayerError):
    problems: list[Problem]

class BillError(RatepayerError):
    row: int

class MoneyError(RatepayerError): ...
class MeterError(RatepayerError): ...

class FeeError(RatepayerError):
    problems: list[Problem]

class PasswordPolicyError(RatepayerError):
    failures: list[PasswordFailure]

class RegistrationError(RatepayerError):
    field: str | None
    internal_reason: str

class CalendarError(RatepayerError):
    problems: list[Problem]

class AutopayError(RatepayerError): ...
class StorageError(RatepayerError): ...

class PortalError(RatepayerError):
    # Seconds to wait before the next try (`login.throttled` and `login.locked` only).
    retry_after_seconds: int | None

@final
class Problem:
    @property
    def path(self) -> str: ...
    @property
    def message(self) -> str: ...

@final
class Profile:
    @staticmethod
    def builtin(id: str) -> Profile: ...
    @staticmethod
    def builtin_ids() -> list[str]: ...
    @staticmethod
    def from_toml(text: str) -> Profile: ...
    @staticmethod
    def from_json(text: str) -> Profile: ...
    @staticmethod
    def load(path: str | os.PathLike[str]) -> Profile: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def tariff_ids(self) -> list[str]: ...
    def tariff(self, id: str) -> Tariff: ...
    def quote_fee(
        self, amount: _Exact, *, channel: str, method: str, accounts: int = 1
    ) -> FeeQuote: ...
    def check_password(
        self,
        password: str,
        *,
        username: str | None = None,
        email: str | None = None,
        account_number: str | None = None,
        street: str | None = None,
        mfa: bool = False,
    ) -> PasswordCheck: ...
    def password_compliance(self) -> list[tuple[str, str]]: ...
    def fee_compliance(self) -> list[tuple[str, str, str, str]]: ...
    def register(
        self,
        *,
        account_number: str,
        email: str,
        now: datetime.datetime,
        accounts: Sequence[AccountRecord],
        customer_number: str | None = None,
        zip: str | None = None,
        name: str | None = None,
        tax_id: str | None = None,
        username: str | None = None,
        accepted_terms_version: str | None = None,
        channel: Literal["web", "app", "phone"] = "web",
        open_bill_due: datetime.date | None = None,
        taken_usernames: Sequence[str] = ...,
    ) -> Registration: ...
    def autopay_options(self) -> list[str]: ...
    def draft_date(
        self,
        option: str,
        *,
        bill_date: datetime.date,
        due_date: datetime.date,
        printed_draft_date: datetime.date | None = None,
    ) -> datetime.date: ...
    def draft_dates(
        self,
        option: str,
        bills: Iterable[
            tuple[datetime.date, datetime.date]
            | tuple[datetime.date, datetime.date, datetime.date | None]
        ],
    ) -> list[datetime.date]: ...
    def draft_calendar(self) -> Calendar: ...

@final
class Tariff:
    @staticmethod
    def from_toml(text: str) -> Tariff: ...
    @staticmethod
    def from_json(text: str) -> Tariff: ...
    @property
    def id(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def currency(self) -> str: ...
    def to_json(self) -> str: ...
    def bill(
        self,
        *,
        start: datetime.date,
        end: datetime.date,
        usage: _Exact | None = None,
        unit: str | None = None,
        meter_size: str | None = None,
        customer_class: str | None = None,
        residents: int | None = None,
        therms_per_ccf: _Exact | None = None,
        estimated: bool = False,
    ) -> Bill: ...
    def bill_from_reads(
        self,
        *,
        start: datetime.date,
        end: datetime.date,
        reads: Sequence[tuple[Meter, Read, Read]],
        meter_size: str | None = None,
        customer_class: str | None = None,
        residents: int | None = None,
        therms_per_ccf: _Exact | None = None,
    ) -> Bill: ...
    def bill_batch(
        self,
        usage: Iterable[_Exact],
        *,
        start: datetime.date | Iterable[datetime.date],
        end: datetime.date | Iterable[datetime.date],
        unit: str | None = None,
        meter_size: str | Iterable[str | None] | None = None,
        customer_class: str | Iterable[str | None] | None = None,
        errors: Literal["raise", "collect"] = "raise",
    ) -> BatchResult: ...
    def bill_table(
        self,
        data: _ArrowStream | _ArrowArray,
        *,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
        unit: str | None = None,
        line_items: bool = False,
        threads: int | None = None,
    ) -> BillTables: ...
    def bill_columns(
        self,
        columns: Mapping[str, Any],
        *,
        start: datetime.date | Iterable[datetime.date] | None = None,
        end: datetime.date | Iterable[datetime.date] | None = None,
        unit: str | None = None,
        errors: Literal["raise", "collect"] = "raise",
    ) -> BatchResult: ...

@final
class ElectricTariff:
    @staticmethod
    def from_urdb(json_text: str, id: str = "urdb") -> ElectricTariff: ...
    @staticmethod
    def from_json(json_text: str) -> ElectricTariff: ...
    def to_json(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def unused(self) -> list[tuple[str, str]]: ...
    @property
    def metering(self) -> str | None: ...
    def prepare(self, year: int) -> PreparedYear: ...

_Kwh: TypeAlias = Decimal | int | str | float

class _ArrayLike(Protocol):
    """An array numpy takes (numpy arrays, pandas and Polars series, pyarrow arrays)."""
    def __array__(self, *args: Any, **kwargs: Any) -> Any: ...

class _ArrowArray(Protocol):
    """An Arrow array (PyCapsule interface): a pyarrow Array."""
    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]: ...

class _ArrowStream(Protocol):
    """Arrow data as a stream (PyCapsule interface): a pyarrow Table,
    ChunkedArray or RecordBatchReader, a Polars DataFrame or Series, a
    pandas DataFrame, a DuckDB relation."""
    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...

@final
class ArrowTable:
    """Result rows as Arrow record batches: `pyarrow.table(t)`,
    `polars.DataFrame(t)` and DuckDB read it as it is."""
    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    def to_pyarrow(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...
    def __len__(self) -> int: ...

@final
class BillTables:
    @property
    def bills(self) -> ArrowTable: ...
    @property
    def lines(self) -> ArrowTable | None: ...

@final
class PreparedYear:
    @property
    def year(self) -> int: ...
    def bill(
        self,
        kwh: Iterable[_Kwh] | _ArrayLike | _ArrowArray | _ArrowStream,
        start: datetime.datetime,
        interval_minutes: int = 60,
        sam: bool = False,
    ) -> list[ElectricMonth]: ...
    def bill_table(
        self,
        data: _ArrowStream | _ArrowArray,
        *,
        interval_minutes: int = 60,
        line_items: bool = False,
        whole_months: bool = True,
        metering: str | None = None,
        year_end_sell_rate: _Exact | None = None,
        true_up_month: int | None = None,
        sam: bool = False,
        threads: int | None = None,
    ) -> BillTables: ...
    def bill_generation(
        self,
        delivered: Iterable[_Kwh],
        received: Iterable[_Kwh],
        start: datetime.datetime,
        interval_minutes: int = 60,
        metering: str | None = None,
        year_end_sell_rate: _Exact | None = None,
        true_up_month: int | None = None,
        sam: bool = False,
    ) -> list[GenerationMonth]: ...

@final
class ElectricMonth:
    @property
    def month(self) -> int: ...
    @property
    def bill(self) -> Bill: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def lines(self) -> list[BillLine]: ...
    @property
    def kwh(self) -> Decimal: ...
    @property
    def peak_kw(self) -> Decimal: ...
    @property
    def billing_demand_kw(self) -> Decimal: ...
    @property
    def energy(self) -> Decimal: ...
    @property
    def demand(self) -> Decimal: ...
    @property
    def fixed(self) -> Decimal: ...
    @property
    def minimum(self) -> Decimal: ...

@final
class GenerationMonth:
    @property
    def month(self) -> int: ...
    @property
    def bill(self) -> Bill: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def lines(self) -> list[BillLine]: ...
    @property
    def delivered_kwh(self) -> Decimal: ...
    @property
    def received_kwh(self) -> Decimal: ...
    @property
    def imported_kwh(self) -> Decimal: ...
    @property
    def exported_kwh(self) -> Decimal: ...
    @property
    def peak_kw(self) -> Decimal: ...
    @property
    def billing_demand_kw(self) -> Decimal: ...
    @property
    def export_credit(self) -> Decimal: ...
    @property
    def credit_in(self) -> Decimal: ...
    @property
    def credit_out(self) -> Decimal: ...
    @property
    def kwh_credit_in(self) -> Decimal: ...
    @property
    def kwh_credit_out(self) -> Decimal: ...
    @property
    def true_up(self) -> Decimal: ...

@final
class Bill:
    @property
    def tariff_id(self) -> str: ...
    @property
    def start(self) -> datetime.date: ...
    @property
    def end(self) -> datetime.date: ...
    @property
    def days(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def taxes(self) -> Decimal: ...
    @property
    def before_tax(self) -> Decimal: ...
    @property
    def usage(self) -> Decimal: ...
    @property
    def usage_unit(self) -> str: ...
    @property
    def usage_is_normative(self) -> bool: ...
    @property
    def usage_is_estimated(self) -> bool: ...
    @property
    def normative(self) -> dict[str, Decimal] | None: ...
    @property
    def lines(self) -> list[BillLine]: ...
    def subtotals(self) -> dict[str, Decimal]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> BillLine: ...
    def __iter__(self) -> Iterator[BillLine]: ...

@final
class BillLine:
    @property
    def description(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def kind(self) -> Literal["fixed", "usage", "surcharge", "minimum", "rider", "tax"]: ...
    @property
    def version(self) -> str: ...
    @property
    def tier(self) -> int | None: ...
    @property
    def start(self) -> datetime.date: ...
    @property
    def end(self) -> datetime.date: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit(self) -> str: ...
    @property
    def rate(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Meter:
    def __new__(
        cls,
        id: str,
        *,
        unit: str,
        dials: int,
        location: str = "",
        multiplier: _Exact | None = None,
        decimals: int = 0,
    ) -> Meter: ...
    @property
    def id(self) -> str: ...
    @property
    def unit(self) -> str: ...

@final
class Read:
    def __new__(
        cls,
        date: datetime.date,
        value: _Exact,
        kind: Literal["actual", "estimated", "customer_submitted"] = "actual",
    ) -> Read: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def value(self) -> Decimal: ...
    @property
    def kind(self) -> str: ...

@final
class BatchResult:
    @property
    def totals_minor(self) -> array.array[int]: ...
    @property
    def minor_units(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def tariff_id(self) -> str: ...
    @property
    def ok(self) -> list[bool]: ...
    @property
    def errors(self) -> list[tuple[int, str, str]]: ...
    def totals(self) -> list[Decimal | None]: ...
    def sum(self) -> Decimal: ...
    def columns(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> Decimal | None: ...

@final
class FeeQuote:
    @property
    def id(self) -> str | None: ...
    @property
    def expires_at(self) -> datetime.datetime | None: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def fee(self) -> Decimal: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def accounts(self) -> int: ...
    @property
    def disclosure(self) -> str: ...
    @property
    def fee_free_alternatives(self) -> list[tuple[str, str]]: ...
    @property
    def schedule_fingerprint(self) -> str: ...

@final
class PasswordFailure:
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...

@final
class PasswordCheck:
    @property
    def ok(self) -> bool: ...
    @property
    def failures(self) -> list[PasswordFailure]: ...
    @property
    def codes(self) -> list[str]: ...
    @property
    def normalization(self) -> str | None: ...
    def raise_for_failures(self) -> None: ...
    def __bool__(self) -> bool: ...

@final
class AccountRecord:
    def __new__(
        cls,
        account_number: str,
        *,
        customer_number: str | None = None,
        zip: str | None = None,
        name: str | None = None,
        email: str | None = None,
        commercial: bool = False,
        tax_id: str | None = None,
        login: str | None = None,
    ) -> AccountRecord: ...
    @property
    def account_number(self) -> str: ...
    @property
    def customer_number(self) -> str | None: ...
    @property
    def zip(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def commercial(self) -> bool: ...
    @property
    def tax_id(self) -> str | None: ...
    @property
    def login(self) -> str | None: ...

@final
class Registration:
    @property
    def account_number(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def terms_version(self) -> str: ...
    @property
    def accepted_at(self) -> datetime.datetime: ...
    @property
    def covers_current_bill(self) -> bool: ...
    @property
    def deadline(self) -> datetime.datetime | None: ...

@final
class Calendar:
    @staticmethod
    def fed() -> Calendar: ...
    @property
    def name(self) -> str: ...
    def is_business_day(self, day: datetime.date) -> bool: ...
    def is_holiday(self, day: datetime.date) -> bool: ...
    def holidays(self, year: int) -> list[datetime.date]: ...
    def roll(
        self,
        day: datetime.date,
        roll: Literal[
            "following", "preceding", "modified_following", "modified_preceding"
        ] = "following",
    ) -> datetime.date: ...
    def add_business_days(self, day: datetime.date, n: int) -> datetime.date: ...
    def business_days_between(
        self, start: datetime.date, end: datetime.date
    ) -> int: ...

def validate(
    text: str,
    *,
    format: Literal["toml", "json"] = "toml",
    kind: Literal["profile", "tariff"] = "profile",
) -> list[Problem]: ...
def parse_money(text: str, currency: str = "USD") -> Decimal: ...

# A payment split: account -> amount, as a mapping or as pairs.
_Split: TypeAlias = Mapping[str, _Exact] | Iterable[tuple[str, _Exact]]

@final
class HashParams:
    def __new__(
        cls, *, memory_kib: int = 19456, iterations: int = 2, parallelism: int = 1
    ) -> HashParams: ...
    @staticmethod
    def owasp() -> HashParams: ...
    @staticmethod
    def below_owasp_floor_for_tests(
        *, memory_kib: int = 64, iterations: int = 1, parallelism: int = 1
    ) -> HashParams: ...
    @property
    def memory_kib(self) -> int: ...
    @property
    def iterations(self) -> int: ...
    @property
    def parallelism(self) -> int: ...

@final
class AccountImport:
    def __new__(
        cls,
        record: AccountRecord,
        *,
        status: Literal["active", "closed"] = "active",
        service_address: str | None = None,
    ) -> AccountImport: ...
    @property
    def record(self) -> AccountRecord: ...
    @property
    def status(self) -> str: ...
    @property
    def service_address(self) -> str | None: ...

@final
class Notice:
    @property
    def to(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def dedupe_key(self) -> str | None: ...
    @property
    def code(self) -> str | None: ...

@final
class FakeProcessor:
    def __init__(self) -> None: ...
    def script_account(self, account: str, outcomes: list[str]) -> None: ...
    def script_share(self, percent: int, outcome: str) -> None: ...
    def refuse_next(self, n: int) -> None: ...
    def charges(self) -> list[tuple[str, str, int]]: ...
    def results(self, settled_on: datetime.date) -> list[tuple[str, str]]: ...

@final
class RecordedResult:
    @property
    def payment_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def effect(self) -> str: ...
    @property
    def autopay(self) -> str | None: ...
    @property
    def retry_on(self) -> datetime.date | None: ...
    @property
    def returned_fee(self) -> Decimal | None: ...

@final
class Registered:
    @property
    def login_id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def covers_current_bill(self) -> bool: ...
    @property
    def deadline(self) -> datetime.datetime | None: ...
    @property
    def email_code_id(self) -> str: ...

@final
class LoginOutcome:
    @property
    def signed_in(self) -> bool: ...
    @property
    def challenge_required(self) -> bool: ...
    @property
    def login_id(self) -> str: ...
    @property
    def session(self) -> str | None: ...
    @property
    def challenge_id(self) -> str | None: ...
    @property
    def must_change_password(self) -> bool: ...
    @property
    def device_token(self) -> str | None: ...
    @property
    def challenge(self) -> str | None: ...
    @property
    def question(self) -> str | None: ...
    def __bool__(self) -> bool: ...

@final
class SessionInfo:
    @property
    def id(self) -> str: ...
    @property
    def client(self) -> str: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def last_seen(self) -> datetime.datetime: ...
    @property
    def idle_expires_at(self) -> datetime.datetime: ...
    @property
    def expires_at(self) -> datetime.datetime: ...
    @property
    def current(self) -> bool: ...

@final
class TotpEnrolment:
    @property
    def secret_base32(self) -> str: ...
    @property
    def uri(self) -> str: ...

@final
class AccountSummary:
    @property
    def account(self) -> str: ...
    @property
    def nickname(self) -> str | None: ...
    @property
    def role(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def service_address(self) -> str | None: ...
    @property
    def amount_due(self) -> Decimal: ...
    @property
    def due_date(self) -> datetime.date | None: ...
    @property
    def autopay(self) -> str | None: ...
    @property
    def credit(self) -> Decimal: ...
    @property
    def paper_bill(self) -> bool: ...
    @property
    def ebilling(self) -> bool: ...

@final
class HomeView:
    @property
    def accounts(self) -> list[AccountSummary]: ...
    @property
    def total_due(self) -> Decimal: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[AccountSummary]: ...

@final
class PostedBill:
    @property
    def account(self) -> str: ...
    @property
    def bill_id(self) -> str: ...
    @property
    def period_start(self) -> datetime.date: ...
    @property
    def period_end(self) -> datetime.date: ...
    @property
    def bill_date(self) -> datetime.date: ...
    @property
    def due_date(self) -> datetime.date: ...
    @property
    def printed_draft_date(self) -> datetime.date | None: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def lines(self) -> list[tuple[str, Decimal]]: ...

@final
class BillView:
    @property
    def bills(self) -> list[PostedBill]: ...
    @property
    def history_shown(self) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[PostedBill]: ...

@final
class PaymentReceipt:
    @property
    def payment_id(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def fee(self) -> Decimal: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def allocations(self) -> list[tuple[str, Decimal, Decimal]]: ...

@final
class Enrolled:
    @property
    def first_bill(self) -> str: ...
    @property
    def open_bill_due(self) -> datetime.date | None: ...
    @property
    def cutoff(self) -> datetime.datetime | None: ...
    @property
    def message(self) -> str: ...
    @property
    def covers_open_bill(self) -> bool: ...

@final
class CycleReport:
    @property
    def enrolments(self) -> int: ...
    @property
    def drafted(self) -> int: ...
    @property
    def already_drafted(self) -> int: ...
    @property
    def pay_by_hand(self) -> int: ...
    @property
    def suspended(self) -> int: ...
    @property
    def failures(self) -> list[tuple[str, str]]: ...
    @property
    def cancelled_during_run(self) -> int: ...
    @property
    def closed_accounts(self) -> int: ...
    @property
    def representments(self) -> int: ...
    @property
    def notices_queued(self) -> int: ...
    @property
    def charged(self) -> Decimal | None: ...

@final
class DeliveryReport:
    @property
    def delivered(self) -> int: ...
    @property
    def already_delivered(self) -> int: ...
    @property
    def failed(self) -> list[tuple[str, str]]: ...

@final
class AuditEvent:
    @property
    def at(self) -> datetime.datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def login_id(self) -> str | None: ...
    @property
    def account(self) -> str | None: ...
    @property
    def detail(self) -> str: ...

@final
class Portal:
    @staticmethod
    def open(
        profile: Profile,
        database_path: str | os.PathLike[str],
        *,
        digest_key: bytes,
        hash_params: HashParams | None = None,
        pepper: tuple[str, bytes] | None = None,
        notify: Callable[[str, str, str], object] | None = None,
        autopay_batch: int | None = None,
        schema: str | None = None,
    ) -> Portal: ...
    @staticmethod
    def in_memory(
        profile: Profile,
        *,
        digest_key: bytes,
        hash_params: HashParams | None = None,
        pepper: tuple[str, bytes] | None = None,
        notify: Callable[[str, str, str], object] | None = None,
        autopay_batch: int | None = None,
    ) -> Portal: ...
    @property
    def utility(self) -> str: ...
    @property
    def database_path(self) -> pathlib.Path | None: ...
    def outbox(self) -> list[Notice]: ...
    def take_outbox(self) -> list[Notice]: ...
    def flush_messages(self) -> None: ...
    def import_accounts(
        self, accounts: Iterable[AccountImport | AccountRecord], *, now: datetime.datetime
    ) -> int: ...
    def post_bill(
        self,
        account: str,
        bill: Bill,
        *,
        bill_id: str,
        bill_date: datetime.date,
        due_date: datetime.date,
        now: datetime.datetime,
        printed_draft_date: datetime.date | None = None,
    ) -> PostedBill: ...
    def register(
        self,
        *,
        account_number: str,
        email: str,
        password: str,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        customer_number: str | None = None,
        zip: str | None = None,
        name: str | None = None,
        tax_id: str | None = None,
        username: str | None = None,
        accepted_terms_version: str | None = None,
        channel: Literal["web", "app", "phone"] = "web",
    ) -> Registered: ...
    def verify_contact(
        self, login_id: str, code_id: str, code: str, *, now: datetime.datetime
    ) -> None: ...
    def add_contact(
        self,
        session: str,
        *,
        now: datetime.datetime,
        email: str | None = None,
        phone: str | None = None,
    ) -> str: ...
    def login(
        self,
        username: str,
        password: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        device_token: str | None = None,
    ) -> LoginOutcome: ...
    def pass_device_challenge(
        self,
        login_id: str,
        challenge_id: str,
        code: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        remember: str | None = None,
    ) -> LoginOutcome: ...
    def enrol_totp(
        self,
        session: str,
        *,
        password: str,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> TotpEnrolment: ...
    def confirm_totp(
        self,
        session: str,
        code: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> list[str]: ...
    def pass_second_factor(
        self,
        login_id: str,
        challenge_id: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        totp: str | None = None,
        recovery_code: str | None = None,
        remember: str | None = None,
    ) -> LoginOutcome: ...
    def regenerate_recovery_codes(
        self,
        session: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        totp: str | None = None,
        recovery_code: str | None = None,
    ) -> list[str]: ...
    def mfa_status(
        self, session: str, *, now: datetime.datetime | None = None
    ) -> tuple[bool, int]: ...
    def set_security_answer(
        self,
        session: str,
        *,
        password: str,
        question: str,
        answer: str,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> None: ...
    def answer_security_question(
        self,
        login_id: str,
        challenge_id: str,
        answer: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        remember: str | None = None,
    ) -> LoginOutcome: ...
    def change_password(
        self,
        session: str,
        *,
        current: str,
        new: str,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> str: ...
    def request_password_reset(
        self,
        username: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> None: ...
    def reset_password(
        self,
        reset_token: str,
        new_password: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> str: ...
    def request_username_reminder(
        self,
        account: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> None: ...
    def request_temporary_password(
        self,
        username: str,
        *,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
    ) -> None: ...
    def request_contact_change(
        self,
        session: str,
        *,
        contact: str,
        new_value: str,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        account: str | None = None,
        password: str | None = None,
        totp: str | None = None,
        recovery_code: str | None = None,
    ) -> str: ...
    def confirm_contact_change(
        self, session: str, change_id: str, code: str, *, now: datetime.datetime
    ) -> None: ...
    def link_account(
        self,
        session: str,
        *,
        account_number: str,
        password: str,
        now: datetime.datetime,
        client_address: str,
        user_agent: str = ...,
        customer_number: str | None = None,
        zip: str | None = None,
        name: str | None = None,
        tax_id: str | None = None,
        email: str | None = None,
        nickname: str | None = None,
        totp: str | None = None,
        recovery_code: str | None = None,
    ) -> str: ...
    def staff_link(
        self, staff: str, login_id: str, account: str, *, now: datetime.datetime
    ) -> str: ...
    def unlink_account(
        self, session: str, account: str, *, now: datetime.datetime
    ) -> None: ...
    def add_authorized_user(
        self, session: str, account: str, username: str, *, now: datetime.datetime
    ) -> None: ...
    def set_nickname(
        self, session: str, account: str, nickname: str | None, *, now: datetime.datetime
    ) -> None: ...
    def set_delivery(
        self,
        session: str,
        account: str,
        *,
        now: datetime.datetime,
        paperless: bool = False,
        ebilling: bool = False,
        text_alerts: bool = False,
        billing_email: str | None = None,
    ) -> None: ...
    def home(self, session: str, *, now: datetime.datetime | None = None) -> HomeView: ...
    def bills(
        self, session: str, account: str, *, now: datetime.datetime | None = None
    ) -> BillView: ...
    def add_payment_method(
        self,
        session: str,
        *,
        method: str,
        token: str,
        label: str,
        now: datetime.datetime,
        card_expiry: tuple[int, int] | None = None,
    ) -> str: ...
    def quote_payment(
        self,
        session: str,
        *,
        amount: _Exact,
        payment_method_id: str,
        now: datetime.datetime,
        channel: str = "online",
        account: str | None = None,
        split: _Split | None = None,
    ) -> FeeQuote: ...
    def pay(
        self,
        session: str,
        *,
        quote_id: str,
        idempotency_key: str,
        now: datetime.datetime,
    ) -> PaymentReceipt: ...
    def enrol_autopay(
        self,
        session: str,
        account: str,
        *,
        option: str,
        payment_method_id: str,
        now: datetime.datetime,
        accepted_terms_version: str | None = None,
        maximum: _Exact | None = None,
    ) -> Enrolled: ...
    def cancel_autopay(
        self, session: str, account: str, *, now: datetime.datetime
    ) -> None: ...
    def run_autopay_cycle(
        self, as_of: datetime.date, *, now: datetime.datetime
    ) -> CycleReport: ...
    def deliver_outbox(
        self, *, now: datetime.datetime, limit: int = 1000
    ) -> DeliveryReport: ...
    def submit_pending(
        self, processor: FakeProcessor, *, now: datetime.datetime
    ) -> list[tuple[str, str, str]]: ...
    def record_result(
        self,
        key: str,
        outcome: str,
        *,
        now: datetime.datetime,
        settled_on: datetime.date | None = None,
        return_code: str | None = None,
        decline: str | None = None,
        reference: str | None = None,
    ) -> RecordedResult: ...
    def payment_history(
        self, session: str, account: str, *, now: datetime.datetime | None = None
    ) -> list[tuple[str, str, Decimal]]: ...
    def sign_out(self, session: str, *, now: datetime.datetime | None = None) -> None: ...
    def sign_out_everywhere(
        self, session: str, *, now: datetime.datetime | None = None
    ) -> int: ...
    def sessions(
        self, session: str, *, now: datetime.datetime | None = None
    ) -> list[SessionInfo]: ...
    def end_session(
        self, session: str, id: str, *, now: datetime.datetime | None = None
    ) -> None: ...
    def audit_trail(self) -> list[AuditEvent]: ...
