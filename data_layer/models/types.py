"""Column types shared by every model: exact fixed-point numbers on every database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator


class Fixed(TypeDecorator):
    """A Decimal with a fixed number of places, exact on every backend.

    MySQL/MariaDB store DECIMAL(precision, scale). SQLite has no decimal type (SQLAlchemy would
    round-trip through float, and SUM would add floats), so there the value is kept as a scaled
    integer: 1234.56 yuan is stored as 123456. SUM of such a column stays an exact integer and
    comes back as an exact Decimal, because SQLAlchemy gives sum() the column's type.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 16, scale: int = 2):
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("float is never money or area: pass a Decimal")
        exact = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            # avg() of scaled integers can come back as a float; str() keeps its digits.
            number = Decimal(value) if isinstance(value, int) else Decimal(str(value))
            return number.scaleb(-self.scale).quantize(self._quantum, rounding=ROUND_HALF_UP)
        return Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)


class Stored(TypeDecorator):
    """A Fixed column's value as the database keeps it (a scaled integer on SQLite, DECIMAL
    elsewhere), unconverted: for many sums added up in Python and converted once by the
    column's Fixed type (process_result_value), instead of one conversion per row."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(asdecimal=True))


def Money() -> Fixed:  # noqa: N802 - reads like a type in model declarations
    """Yuan with 2 places (amounts up to 99,999,999,999,999.99)."""
    return Fixed(16, 2)


def Area() -> Fixed:  # noqa: N802
    """Square metres with 2 places."""
    return Fixed(12, 2)


def Rate() -> Fixed:  # noqa: N802
    """A ratio such as a discount (0.9800) or a tax rate (0.0150)."""
    return Fixed(8, 4)
