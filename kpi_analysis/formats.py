"""How a client's export is written: encoding, separator, decimal mark, date order, text keys.

CRM, POS and Excel exports from Vietnamese businesses come with ``;`` separators, decimal commas,
dots as thousands separators, ``dd/mm/yyyy`` dates, UTF-8 with or without a BOM, UTF-16 or
Windows-1258, and Vietnamese text typed in NFC or NFD. Each table can declare these conventions
(:class:`ReadOptions`, the keys of a table in ``workbook.yml``); what is not declared is detected
from the whole file, and anything that reads two ways is refused with the option to set
(:class:`FormatError`). Nothing here guesses: a value is read only when the convention it was
written in is known.

The detection is written here by hand because no maintained parser refuses ambiguity: pandas'
``read_csv(decimal=..., thousands=...)`` and ``to_datetime(dayfirst=...)`` read whatever fits the
convention they are given (``dayfirst=True`` still reads ``01/13/2026`` month-first), and
charset-normalizer ranks encodings but cannot tell Windows-1258 from a dozen code pages that decode
the same bytes. The values themselves are converted by pandas (``to_numeric``, ``to_datetime`` with
an explicit format) once their convention is known.

Examples
--------
>>> import pandas as pd
>>> cols = {"revenue": pd.Series(["51651,0", "1.234,5", "12"])}
>>> number_convention(cols, table="sales")   # (decimal mark, grouping: None = the usual for it)
(',', None)
>>> parse_numbers(cols["revenue"], decimal=",").tolist()
[51651.0, 1234.5, 12.0]
>>> date_order({"date": pd.Series(["08/01/2026", "13/01/2026"])}, table="sales")
'dmy'
>>> parse_dates(pd.Series(["08/01/2026", "13/01/2026 10:30"]), order="dmy").dt.strftime("%Y-%m-%d %H:%M").tolist()
['2026-01-08 00:00', '2026-01-13 10:30']
>>> normalize_text(pd.Series(["Mie\\u0302\\u0300n  Trung "])).tolist() == ["Miền Trung"]
True
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from . import i18n
from .core.checks import DataValidationError

__all__ = [
    "FormatError",
    "ReadOptions",
    "case_variants",
    "date_order",
    "decode",
    "normalize_text",
    "number_convention",
    "parse_dates",
    "parse_numbers",
    "sniff_separator",
]

SEPARATORS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (French/Vietnamese grouping)
EXAMPLES = 3

_t = i18n.catalog("formats", {
    "encoding": {
        "en": "{where}: the file is not UTF-8 or UTF-16 with a byte-order mark; it looks like {candidates}. "
              "Set `encoding:` for this table under data.tables.{table} in workbook.yml (e.g. "
              "`encoding: {first}`).",
        "vi": "{where}: tệp không phải UTF-8 hoặc UTF-16 có BOM; có vẻ là {candidates}. Hãy khai báo "
              "`encoding:` cho bảng này trong data.tables.{table} của workbook.yml (ví dụ `encoding: {first}`)."},
    "bad_encoding": {
        "en": "{where}: the file cannot be read as {encoding} ({error}); check `encoding:` under "
              "data.tables.{table} in workbook.yml.",
        "vi": "{where}: không đọc được tệp theo bảng mã {encoding} ({error}); hãy kiểm tra `encoding:` trong "
              "data.tables.{table} của workbook.yml."},
    "unknown_encoding": {
        "en": "data.tables.{table}.encoding: unknown encoding {encoding!r} (e.g. utf-8, utf-16, cp1258).",
        "vi": "data.tables.{table}.encoding: bảng mã {encoding!r} không tồn tại (ví dụ utf-8, utf-16, cp1258)."},
    "separator": {
        "en": "{where}: cannot tell the column separator: {found}. Set `separator:` (one of {options}) under "
              "data.tables.{table} in workbook.yml.",
        "vi": "{where}: không xác định được ký tự phân cách cột: {found}. Hãy khai báo `separator:` (một trong "
              "{options}) trong data.tables.{table} của workbook.yml."},
    "line": {"en": "line {n}", "vi": "dòng {n}"},
    "row": {"en": "row {n}", "vi": "hàng {n}"},
    "sep_none": {"en": "no candidate splits every line into the same number of columns",
                 "vi": "không ký tự nào chia mọi dòng thành cùng một số cột"},
    "sep_many": {"en": "{seps} all split every line the same way",
                 "vi": "{seps} đều chia mọi dòng giống nhau"},
    "decimal_ambiguous": {
        "en": "{where}: numbers that read two ways: {examples} could use a dot or a comma as the decimal "
              "mark, and nothing else in the file tells which. Set `decimal: \",\"` (then {first} = {as_comma}) "
              "or `decimal: \".\"` (then {first} = {as_dot}) under data.tables.{table} in workbook.yml.",
        "vi": "{where}: có số đọc được hai cách: {examples} có thể dùng dấu chấm hoặc dấu phẩy làm dấu thập "
              "phân, và tệp không có dấu hiệu nào khác. Hãy khai báo `decimal: \",\"` (khi đó {first} = "
              "{as_comma}) hoặc `decimal: \".\"` (khi đó {first} = {as_dot}) trong data.tables.{table} của "
              "workbook.yml."},
    "decimal_mixed": {
        "en": "{where}: numbers written in two conventions: {dot} use a dot as the decimal mark, {comma} a "
              "comma. Fix the export, or set `decimal:` under data.tables.{table} in workbook.yml so the other "
              "convention is reported row by row.",
        "vi": "{where}: số được viết theo hai quy ước: {dot} dùng dấu chấm làm dấu thập phân, {comma} dùng dấu "
              "phẩy. Hãy sửa tệp xuất, hoặc khai báo `decimal:` trong data.tables.{table} của workbook.yml để "
              "các dòng theo quy ước kia được báo lỗi từng dòng."},
    "date_ambiguous": {
        "en": "{where}: dates that read two ways: {examples} could be day first or month first, and no date "
              "in the file has a day above 12 to tell. Set `dayfirst: true` (then {first} is {as_dmy}) or "
              "`dayfirst: false` (then {first} is {as_mdy}), or `date_format:`, under data.tables.{table} in "
              "workbook.yml.",
        "vi": "{where}: có ngày đọc được hai cách: {examples} có thể là ngày trước hoặc tháng trước, và không "
              "ngày nào trong tệp lớn hơn 12 để phân biệt. Hãy khai báo `dayfirst: true` (khi đó {first} là "
              "{as_dmy}) hoặc `dayfirst: false` (khi đó {first} là {as_mdy}), hoặc `date_format:`, trong "
              "data.tables.{table} của workbook.yml."},
    "date_ambiguous_setting": {
        "en": "{where}: dates that read two ways: {examples} could be day first or month first, and no date "
              "has a day above 12 to tell. Set {setting} to true (then {first} is {as_dmy}) or false (then "
              "{first} is {as_mdy}).",
        "vi": "{where}: có ngày đọc được hai cách: {examples} có thể là ngày trước hoặc tháng trước, và không "
              "ngày nào lớn hơn 12 để phân biệt. Hãy đặt {setting} là true (khi đó {first} là {as_dmy}) hoặc "
              "false (khi đó {first} là {as_mdy})."},
    "date_mixed_setting": {
        "en": "{where}: dates written in two orders: {dmy} can only be day first, {mdy} only month first. "
              "Fix the file, or set {setting} so the other order is reported row by row.",
        "vi": "{where}: ngày được viết theo hai thứ tự: {dmy} chỉ có thể là ngày trước, {mdy} chỉ có thể là "
              "tháng trước. Hãy sửa tệp, hoặc đặt {setting} để các dòng theo thứ tự kia được báo lỗi từng dòng."},
    "date_mixed": {
        "en": "{where}: dates written in two orders: {dmy} can only be day first, {mdy} only month first. "
              "Fix the export, or set `dayfirst:` under data.tables.{table} in workbook.yml so the other order "
              "is reported row by row.",
        "vi": "{where}: ngày được viết theo hai thứ tự: {dmy} chỉ có thể là ngày trước, {mdy} chỉ có thể là "
              "tháng trước. Hãy sửa tệp xuất, hoặc khai báo `dayfirst:` trong data.tables.{table} của "
              "workbook.yml để các dòng theo thứ tự kia được báo lỗi từng dòng."},
})


class FormatError(DataValidationError):
    """The file's conventions cannot be read without a guess; ``option`` names the setting to add."""

    def __init__(self, message: str, *, option: str, table: str | None = None, column: str | None = None):
        super().__init__(message, [{"column": column, "rule": f"needs option {option}", "count": 0,
                                    "examples": []}])
        self.option = option
        self.table = table
        self.column = column


@dataclass(frozen=True)
class ReadOptions:
    """How one table's file is written; ``None`` means "detect it from the file".

    The same keys as a table in ``workbook.yml``: ``encoding`` (a Python codec name: ``utf-8``,
    ``utf-16``, ``cp1258``), ``separator`` (``","``, ``";"``, ``"\\t"``, ``"|"``), ``decimal``
    (``"."`` or ``","``), ``thousands`` (the grouping mark; ``""`` for none), ``date_format`` (a
    ``strftime`` pattern such as ``"%d/%m/%Y"``), ``dayfirst`` (``true`` for dd/mm/yyyy), ``sheet``
    (Excel sheet name or 0-based position).
    """
    encoding: str | None = None
    separator: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    date_format: str | None = None
    dayfirst: bool | None = None
    sheet: str | int | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_spec(cls, spec: Mapping | None) -> ReadOptions:
        """The reading options among a table's config keys (other keys are ignored)."""
        spec = spec or {}
        return cls(**{k: spec[k] for k in cls.names() if spec.get(k) is not None})

    def check(self, table: str) -> list[str]:
        """Problems with the options themselves, as config-key messages (empty when fine)."""
        import codecs

        out = []
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                out.append(_t("unknown_encoding", "en", table=table, encoding=self.encoding))
        if self.separator is not None and len(self.separator) != 1:
            out.append(f"data.tables.{table}.separator: must be one character such as ',' or ';'; "
                       f"got {self.separator!r}.")
        if self.decimal is not None and self.decimal not in DECIMALS:
            out.append(f"data.tables.{table}.decimal: must be '.' or ','; got {self.decimal!r}.")
        if self.thousands is not None and (len(self.thousands) > 1 or self.thousands == self.decimal
                                           or self.thousands.isdigit()):
            out.append(f"data.tables.{table}.thousands: must be one character other than the decimal mark "
                       f"(or '' for none); got {self.thousands!r}.")
        if self.date_format is not None and "%" not in str(self.date_format):
            out.append(f"data.tables.{table}.date_format: must be a strftime pattern such as '%d/%m/%Y'; "
                       f"got {self.date_format!r}.")
        if self.dayfirst is not None and self.date_format is not None:
            out.append(f"data.tables.{table}: set either dayfirst or date_format, not both.")
        return out


def _where(table: str | None, source) -> str:
    return f"{table} ({source})" if source is not None else str(table)


def _cells(parts: list[pd.Series]) -> pd.DataFrame:
    """Cells of several columns in one frame (``column``, ``index``, ``value``), in column order."""
    frames = [pd.DataFrame({"column": s.name, "index": s.index, "value": s.to_numpy(dtype=object)})
              for s in parts if len(s)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["column", "index", "value"])


def _examples(cells: pd.DataFrame, lines=None, locale: str = "en", n: int = EXAMPLES) -> str:
    """``date line 3: '08/01/2026'`` for the first few cells (``lines`` maps index -> line number)."""
    out = []
    for r in cells.head(n).itertuples():
        line = lines(r.index) if lines is not None else None
        label = _t("line", locale, n=line) if line is not None else _t("row", locale, n=r.index)
        out.append(f"{r.column} {label}: {r.value!r}")
    return ", ".join(out)


# ------------------------------------------------------------------------------------------------
# Encoding and separator
# ------------------------------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode(raw: bytes, *, encoding: str | None = None, table: str | None = None, source=None,
           locale: str = "en") -> tuple[str, str]:
    """The text of a file and the encoding it was read with.

    UTF-8 (with or without a BOM) and BOM-marked UTF-16 need no option; anything else needs
    ``encoding`` and is refused otherwise, naming charset-normalizer's likeliest candidates.
    """
    where = _where(table, source)
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except LookupError:
            raise FormatError(_t("unknown_encoding", locale, table=table, encoding=encoding),
                              option="encoding", table=table) from None
        except UnicodeDecodeError as err:
            raise FormatError(_t("bad_encoding", locale, where=where, encoding=encoding, table=table,
                                 error=f"byte {err.start}: {err.reason}"),
                              option="encoding", table=table) from None
        return text.removeprefix("\ufeff"), encoding
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return raw.decode(codec).removeprefix("\ufeff"), codec
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    found = [m.encoding for m in charset_normalizer.from_bytes(raw[: 1 << 20])][:3] or ["cp1258", "latin-1"]
    raise FormatError(_t("encoding", locale, where=where, table=table, first=found[0],
                         candidates=", ".join(found)), option="encoding", table=table)


def sniff_separator(text: str, *, table: str | None = None, source=None, lines: int = 50,
                    locale: str = "en") -> str:
    """The one separator that splits the header and the first data lines into the same number (> 1)
    of fields, quotes respected; refused when none or several do."""
    import csv
    import io

    head = [ln for ln in text.splitlines()[: lines + 1] if ln.strip()]
    if not head:
        return ","
    fits = []
    for sep in SEPARATORS:
        widths = {len(row) for row in csv.reader(io.StringIO("\n".join(head)), delimiter=sep)}
        if len(widths) == 1 and widths.pop() > 1:
            fits.append(sep)
    if len(fits) == 1:
        return fits[0]
    if not fits and len(head) == 1 or not fits and all(not any(s in ln for s in SEPARATORS) for ln in head):
        return ","  # one column, or a header without data: nothing to split
    found = _t("sep_many", locale, seps=" ".join(repr(s) for s in fits)) if fits else _t("sep_none", locale)
    raise FormatError(_t("separator", locale, where=_where(table, source), table=table, found=found,
                         options=" ".join(repr(s) for s in SEPARATORS)), option="separator", table=table)


# ------------------------------------------------------------------------------------------------
# Numbers
# ------------------------------------------------------------------------------------------------

def _number_pattern(decimal: str, thousands: str | None) -> re.Pattern:
    """A strict pattern for one convention: groups of three after the first, one decimal mark."""
    groups = [re.escape(g) for g in ((_default_thousands(decimal)) if thousands is None else thousands)]
    ints = [r"\d+"] + [rf"\d{{1,3}}(?:{g}\d{{3}})+" for g in groups]
    d = re.escape(decimal)
    return re.compile(rf"[-+]?(?:(?:{'|'.join(ints)})(?:{d}\d+)?|{d}\d+)(?:[eE][-+]?\d+)?")


def _default_thousands(decimal: str) -> str:
    return ("," if decimal == "." else ".") + SPACES


def _text_values(series: pd.Series) -> pd.Series:
    """The non-blank text cells of a column, stripped (numbers and dates typed by Excel are not text)."""
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return pd.Series(dtype=object, name=series.name)
    if pd.api.types.is_object_dtype(series):  # Excel: numbers, dates and text mixed in one column
        series = series[series.map(lambda v: isinstance(v, str))].astype(str)
    s = series.dropna().str.strip()
    return s[s != ""]


def parse_numbers(series: pd.Series, *, decimal: str = ".", thousands: str | None = None) -> pd.Series:
    """Numbers written with ``decimal`` and ``thousands``; NaN where a cell does not follow them.

    Cells already numeric (Excel, Parquet) are kept as they are.
    """
    out = pd.Series(np.nan, index=series.index, dtype="float64")
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_object_dtype(series):  # Excel: cells already numbers are kept as they are
        is_num = series.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
        if is_num.any():
            out[is_num] = pd.to_numeric(series[is_num], errors="coerce").astype("float64")
    text = _text_values(series)
    if text.empty:
        return out
    ok = text.str.fullmatch(_number_pattern(decimal, thousands))
    good = text[ok]
    marks = _default_thousands(decimal) if thousands is None else thousands
    for mark in marks:
        good = good.str.replace(mark, "", regex=False)
    if decimal != ".":
        good = good.str.replace(decimal, ".", regex=False)
    out[good.index] = pd.to_numeric(good, errors="coerce")
    return out


def number_convention(columns: Mapping[str, pd.Series], *, decimal: str | None = None,
                      thousands: str | None = None, table: str | None = None, source=None, lines=None,
                      locale: str = "en") -> tuple[str, str | None]:
    """The ``(decimal, thousands)`` every number column of one file is written in.

    Given ``decimal``, it is used as is. Otherwise every text cell of every number column is tried
    against both conventions (dot decimal with comma or space groups; comma decimal with dot or space
    groups). One convention fitting every cell wins; cells that fit both but mean different numbers
    ("1.234", "1,5" is never one of them) with nothing else deciding are refused
    (:class:`FormatError` naming ``decimal:``), as are files mixing the two.
    """
    if decimal is not None:
        return decimal, thousands
    dot, comma = _number_pattern(".", None), _number_pattern(",", None)
    only = {".": [], ",": []}
    differ = []
    for name, series in columns.items():
        text = _text_values(series)
        if text.empty:
            continue
        fit_dot, fit_comma = text.str.fullmatch(dot), text.str.fullmatch(comma)
        only["."].append(text[fit_dot & ~fit_comma].rename(name))
        only[","].append(text[fit_comma & ~fit_dot].rename(name))
        both = text[fit_dot & fit_comma]
        if not both.empty:
            a = parse_numbers(both, decimal=".")
            b = parse_numbers(both, decimal=",")
            differ.append(both[a != b].rename(name))
    only = {k: _cells(v) for k, v in only.items()}
    where = _where(table, source)
    if len(only["."]) and len(only[","]):
        raise FormatError(_t("decimal_mixed", locale, where=where, table=table,
                             dot=_examples(only["."], lines, locale), comma=_examples(only[","], lines, locale)),
                          option="decimal", table=table)
    if len(only["."]):
        return ".", thousands
    if len(only[","]):
        return ",", thousands
    differ = _cells(differ)
    if len(differ):
        first = differ["value"].iloc[0]
        as_dot = parse_numbers(pd.Series([first]), decimal=".").iloc[0]
        as_comma = parse_numbers(pd.Series([first]), decimal=",").iloc[0]
        raise FormatError(_t("decimal_ambiguous", locale, where=where, table=table, first=repr(first),
                             examples=_examples(differ, lines, locale), as_dot=f"{as_dot:g}",
                             as_comma=f"{as_comma:g}"),
                          option="decimal", table=table, column=str(differ["column"].iloc[0]))
    return ".", thousands


# ------------------------------------------------------------------------------------------------
# Dates
# ------------------------------------------------------------------------------------------------

_TIME = r"(?:[ T](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?P<f>\.\d+)?)?)?"
_ISO = re.compile(r"\d{4}-\d{1,2}(?:-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                  r"(?:Z|[+-]\d{2}:?\d{2})?)?")
_YMD_SLASH = re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})" + _TIME)
_NUMERIC_DATE = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})" + _TIME)
_MONTH_YEAR = re.compile(r"(?P<m>\d{1,2})[/.\-](?P<y>\d{4})")


def _as_date_text(series: pd.Series) -> pd.Series:
    """Date cells as text: Excel and Parquet datetimes become ISO strings, blanks are dropped."""
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        out = series.dropna().str.strip()  # a text column (CSV): no cell-by-cell look needed
        return out[out != ""]

    def text(v):
        if isinstance(v, str):
            return v.strip()
        if hasattr(v, "isoformat") and not pd.isna(v):
            return v.isoformat()
        return None
    out = series.map(text)
    return out[out.notna() & (out != "")]


def _orders(text: pd.Series) -> pd.DataFrame:
    """For each dd/mm/yyyy-or-mm/dd/yyyy cell: whether it can be day first, month first, and if they differ."""
    text = text[~text.str.fullmatch(_ISO)]  # ISO dates (most files) need no look at their order
    parts = text.str.extract(_NUMERIC_DATE.pattern)
    parts = parts[parts["a"].notna()]
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    can_dmy = a.between(1, 31) & b.between(1, 12)
    can_mdy = a.between(1, 12) & b.between(1, 31)
    return pd.DataFrame({"dmy": can_dmy, "mdy": can_mdy, "differ": can_dmy & can_mdy & (a != b)})


def date_order(columns: Mapping[str, pd.Series], *, dayfirst: bool | None = None, date_format: str | None = None,
               table: str | None = None, source=None, lines=None, locale: str = "en",
               setting: str | None = None) -> str | None:
    """``"dmy"`` or ``"mdy"`` for the numeric dates (01/02/2026) of one file, or None when it has none.

    ISO dates (2026-01-08) are unambiguous and need nothing. For the others the order comes from
    ``dayfirst``/``date_format`` when given, else from the file: a cell whose first number is above
    12 is day first, one whose second is above 12 is month first. A file with both is refused, and
    so is one whose cells all fit both orders with different meanings. The refusal names where to set
    the order: ``data.tables.<table>`` in workbook.yml, or ``setting`` (a table read outside the config).
    """
    if date_format is not None:
        return "format"
    if dayfirst is not None:
        return "dmy" if dayfirst else "mdy"
    dmy, mdy, differ = [], [], []
    for name, series in columns.items():
        text = _as_date_text(series)
        if text.empty:
            continue
        o = _orders(text)
        dmy.append(text[o.index[o["dmy"] & ~o["mdy"]]].rename(name))
        mdy.append(text[o.index[o["mdy"] & ~o["dmy"]]].rename(name))
        differ.append(text[o.index[o["differ"]]].rename(name))
    dmy, mdy, differ = (_cells(x) for x in (dmy, mdy, differ))
    where = _where(table, source)
    if len(dmy) and len(mdy):
        raise FormatError(_t("date_mixed" + ("_setting" if setting else ""), locale, where=where, table=table,
                             setting=setting, dmy=_examples(dmy, lines, locale), mdy=_examples(mdy, lines, locale)),
                          option="dayfirst", table=table)
    if len(dmy):
        return "dmy"
    if len(mdy):
        return "mdy"
    if len(differ):
        first = differ["value"].iloc[0]
        as_dmy = parse_dates(pd.Series([first]), order="dmy").iloc[0]
        as_mdy = parse_dates(pd.Series([first]), order="mdy").iloc[0]
        raise FormatError(_t("date_ambiguous" + ("_setting" if setting else ""), locale, where=where, table=table,
                             setting=setting, first=repr(first),
                             examples=_examples(differ, lines, locale), as_dmy=as_dmy.strftime("%Y-%m-%d"),
                             as_mdy=as_mdy.strftime("%Y-%m-%d")),
                          option="dayfirst", table=table, column=str(differ["column"].iloc[0]))
    return None


def _time_format(parts: pd.DataFrame) -> pd.Series:
    fmt = pd.Series("", index=parts.index)
    fmt[parts["h"].notna()] = " %H:%M"
    fmt[parts["s"].notna()] = " %H:%M:%S"
    fmt[parts["f"].notna()] = " %H:%M:%S.%f"
    return fmt


def parse_dates(series: pd.Series, *, order: str | None = None, date_format: str | None = None) -> pd.Series:
    """Timestamps (naive; offsets converted to UTC) of ISO cells and of numeric dates in ``order``.

    NaT where a cell does not parse (the caller reports it). Each shape of cell (separator, with or
    without time) is parsed by ``pandas.to_datetime`` with its explicit format.
    """
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(series):
        s = series.dt.tz_convert(None) if getattr(series.dt, "tz", None) is not None else series
        return s.astype("datetime64[ns]")
    text = _as_date_text(series)
    if text.empty:
        return out
    if date_format is not None:
        got = pd.to_datetime(text, format=date_format, errors="coerce")
        out[got.index] = got
        rest = text[got.isna()]
        text = rest[rest.str.fullmatch(_ISO)]  # ISO cells (Excel datetimes) still read as ISO
        order = None
    is_iso = text.str.fullmatch(_ISO)
    iso, text = text[is_iso], text[~is_iso]
    if not iso.empty:
        if iso.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).any():
            got = pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=True).dt.tz_convert(None)
        else:
            got = pd.to_datetime(iso, format="ISO8601", errors="coerce")
        out[got.index] = got.astype("datetime64[ns]")
    if text.empty:
        return out.astype("datetime64[ns]")
    ymd = text.str.extract(_YMD_SLASH.pattern)
    ymd = ymd[ymd["y"].notna() & text.str.fullmatch(_YMD_SLASH)]
    for fmt, idx in _groups("%Y/%m/%d" + _time_format(ymd)):
        out[idx] = pd.to_datetime(text[idx], format=fmt, errors="coerce")
    if order in ("dmy", "mdy"):
        num = text.str.extract(_NUMERIC_DATE.pattern)
        num = num[num["a"].notna() & text.str.fullmatch(_NUMERIC_DATE)]
        head = "%d{sep}%m{sep}%Y" if order == "dmy" else "%m{sep}%d{sep}%Y"
        fmts = num["sep"].map(lambda s: head.format(sep=s)) + _time_format(num)
        for fmt, idx in _groups(fmts):
            out[idx] = pd.to_datetime(text[idx], format=fmt, errors="coerce")
    month_year = text[text.str.fullmatch(_MONTH_YEAR)]
    if not month_year.empty:
        parts = month_year.str.extract(_MONTH_YEAR.pattern)
        got = pd.to_datetime(parts["y"] + "-" + parts["m"].str.zfill(2) + "-01", format="%Y-%m-%d", errors="coerce")
        out[got.index] = got
    return out.astype("datetime64[ns]")


def _groups(formats: pd.Series):
    """(format, index) pairs: the cells sharing one explicit format, parsed together."""
    return [(fmt, idx) for fmt, idx in formats.groupby(formats).groups.items()]


# ------------------------------------------------------------------------------------------------
# Text keys
# ------------------------------------------------------------------------------------------------

def normalize_text(series: pd.Series, *, collapse: bool = True) -> pd.Series:
    """Unicode NFC, runs of whitespace collapsed to one space (``collapse``), ends trimmed.

    "Miền Trung" typed in NFD (decomposed, as macOS writes it), with a double inner space or a
    trailing tab is the same key as its NFC spelling afterwards. Non-text cells are left alone.
    """
    s = series.astype("string")
    s = s.str.normalize("NFC")
    if collapse:
        s = s.str.replace(r"\s+", " ", regex=True)
    return s.str.strip()


def case_variants(series: pd.Series) -> list[dict]:
    """Spellings of one key that differ only by case, with their row counts, most frequent first.

    >>> case_variants(pd.Series(["Miền Trung", "miền trung", "Miền Trung", "Miền Nam"]))
    [{'values': ['Miền Trung', 'miền trung'], 'counts': [2, 1]}]
    """
    counts = series.dropna().astype(str).value_counts(sort=False)
    if counts.empty:
        return []
    folded = pd.Series(counts.index.str.casefold(), index=counts.index)
    out = []
    for names in folded.groupby(folded, sort=True).groups.values():
        if len(names) > 1:
            c = counts[list(names)].sort_values(ascending=False, kind="stable")
            out.append({"values": c.index.tolist(), "counts": [int(x) for x in c]})
    return out
