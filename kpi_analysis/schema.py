"""The canonical tables: their columns, types and the rules every row obeys.

Each table is described once in :data:`TABLES` (column kind, whether it may be blank, allowed values,
ranges, uniqueness) plus its cross-column rules; :func:`schema` turns that into a pandera
``DataFrameSchema`` that ``data.load`` runs lazily, so every problem is reported at once.
The README's data-contract section is written from the same description (``describe()``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from .core import columns as C


@dataclass(frozen=True)
class Col:
    kind: str  # "str", "datetime", "month", "float", "int"
    doc: str
    nullable: bool = False
    unique: bool = False
    isin: tuple | None = None
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    integer: bool = False  # a float column whose values must be whole numbers (scores)
    optional: bool = False  # the column itself may be absent
    key: bool = False  # a category analyses group by: spellings differing only by case are reported
    free_text: bool = False  # free text: line breaks kept (other text has whitespace runs collapsed)


@dataclass(frozen=True)
class Rule:
    """A cross-column rule: ``check(df)`` is True for rows that obey it; ``column`` is shown in errors."""
    name: str
    column: str
    check: object = field(compare=False)
    columns: tuple = ()


def _closed_when_done(df):
    return ~df["status"].isin(["won", "lost"]) | df["closed_at"].notna()


def _open_not_closed(df):
    return (df["status"] != "open") | df["closed_at"].isna()


def _closed_after_created(df):
    return df["closed_at"].isna() | df["created_at"].isna() | (df["closed_at"] >= df["created_at"])


def _value_when_won(df):
    return (df["status"] != "won") | df["deal_value"].notna()


def _contact_after_created(df):
    if "first_contact_at" not in df:
        return pd.Series(True, index=df.index)
    return (df["first_contact_at"].isna() | df["created_at"].isna()
            | (df["first_contact_at"] >= df["created_at"]))


def _one_row_per_location_day(df):
    return ~df.duplicated(["location", "date"], keep=False)


def _since_before_response(df):
    return (df["customer_since"].isna() | df["responded_at"].isna()
            | (df["customer_since"] <= df["responded_at"]))


def _one_target_per_kpi_period(df):
    return ~df.duplicated(["kpi", "period"], keep=False)


TABLES: dict[str, dict[str, Col]] = {
    "leads": {
        "lead_id": Col("str", "unique id of the lead", unique=True),
        "created_at": Col("datetime", "when the lead came in"),
        "rep": Col("str", "sales rep the lead was assigned to", key=True),
        "source": Col("str", "lead channel (referral, website, trade fair, cold call, ...)", key=True),
        "segment": Col("str", "customer segment (optional column)", key=True, optional=True),
        "status": Col("str", "won / lost / open", isin=C.LEAD_STATUSES),
        "closed_at": Col("datetime", "when the lead was won or lost; empty while open", nullable=True),
        "deal_value": Col("float", "value of the won deal (currency units); empty unless won",
                          nullable=True, ge=0),
        "first_contact_at": Col("datetime", "first contact with the lead (optional column)",
                                nullable=True, optional=True),
    },
    "sales": {
        "date": Col("datetime", "calendar day"),
        "location": Col("str", "store / location name", key=True),
        "revenue": Col("float", "revenue of the day (currency units)", ge=0),
        "orders": Col("int", "number of orders of the day (optional column: without it the order KPIs show no data)",
                      ge=0, optional=True),
    },
    "nps_responses": {
        "response_id": Col("str", "unique id of the answer", unique=True),
        "customer_id": Col("str", "who answered"),
        "responded_at": Col("datetime", "when they answered"),
        "score": Col("float", "0-10 answer to 'how likely are you to recommend us?'; blank allowed "
                     "(counted and excluded by the NPS analysis)", nullable=True, ge=0, le=10, integer=True),
        "region": Col("str", "customer's region", key=True),
        "product": Col("str", "product line the answer is about (optional column)", key=True, optional=True),
        "customer_since": Col("datetime", "start of the customer relationship"),
        "comment": Col("str", "free-text comment (optional column)", nullable=True, optional=True, free_text=True),
    },
    "marketing_spend": {
        "month": Col("month", "month of the spend (YYYY-MM or any date in the month)"),
        "channel": Col("str", "marketing channel", key=True),
        "spend": Col("float", "spend in the month (currency units)", ge=0),
    },
    "competitor_prices": {
        "date": Col("datetime", "day the prices were observed"),
        "product": Col("str", "product compared", key=True),
        "our_price": Col("float", "our price (currency units)", gt=0),
        "competitor": Col("str", "competitor name", key=True),
        "competitor_price": Col("float", "competitor's price (currency units)", gt=0),
    },
    "client_activity": {
        "client_id": Col("str", "existing client"),
        "date": Col("datetime", "day of the activity"),
        "activity_type": Col("str", "order, call, visit, email, ...", key=True),
    },
    "employee_survey": {
        "employee_id": Col("str", "who answered (pseudonymous id)"),
        "date": Col("datetime", "survey date"),
        "team": Col("str", "team of the employee", key=True),
        "score": Col("float", "satisfaction score 0-10", ge=0, le=10, integer=True),
    },
    "kpi_targets": {
        "kpi": Col("str", "KPI id (new_leads, cac, revenue, nps, ...)", key=True),
        "period": Col("str", "period the target applies to: YYYY-MM (month), YYYY-Qn or YYYY"),
        "target": Col("float", "target value in the KPI's unit"),
        "direction": Col("str", "higher_is_better / lower_is_better", isin=C.DIRECTIONS),
        "perspective": Col("str", "Balanced Scorecard perspective", isin=C.PERSPECTIVES),
        "owner": Col("str", "who answers for the KPI", key=True),
    },
}

RULES: dict[str, list[Rule]] = {
    "leads": [
        Rule("must be set when status is won or lost", "closed_at", _closed_when_done, ("status",)),
        Rule("must be empty while status is open", "closed_at", _open_not_closed, ("status",)),
        Rule("must not be before created_at", "closed_at", _closed_after_created, ("created_at",)),
        Rule("must be set when status is won", "deal_value", _value_when_won, ("status",)),
        Rule("must not be before created_at", "first_contact_at", _contact_after_created, ("created_at",)),
    ],
    "sales": [Rule("must have one row per location and day", "date", _one_row_per_location_day,
                   ("location",))],
    "nps_responses": [Rule("must not be after responded_at", "customer_since", _since_before_response,
                           ("responded_at",))],
    "kpi_targets": [Rule("must have one target per kpi and period", "period", _one_target_per_kpi_period,
                         ("kpi",))],
}

PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


def table_names() -> list[str]:
    return list(TABLES)


def columns(table: str, *, optional: bool = True) -> list[str]:
    """Canonical column names of ``table`` (with the optional ones unless ``optional=False``)."""
    check_table(table)
    return [c for c, spec in TABLES[table].items() if optional or not spec.optional]


def check_table(table: str) -> None:
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; the canonical tables are {list(TABLES)}.")


@cache
def schema(table: str):
    """The pandera schema of ``table`` (value rules only: ``data.load`` has already coerced types)."""
    import pandera.pandas as pa

    check_table(table)
    cols = {}
    for name, spec in TABLES[table].items():
        checks = []
        if spec.isin is not None:
            checks.append(pa.Check.isin(list(spec.isin), error=f"must be one of {list(spec.isin)}"))
        if spec.ge is not None:
            checks.append(pa.Check.ge(spec.ge, error=f"must be >= {spec.ge:g}"))
        if spec.gt is not None:
            checks.append(pa.Check.gt(spec.gt, error=f"must be > {spec.gt:g}"))
        if spec.le is not None:
            checks.append(pa.Check.le(spec.le, error=f"must be <= {spec.le:g}"))
        if spec.integer:
            checks.append(pa.Check(lambda s: (s % 1 == 0) | s.isna(), element_wise=False,
                                   error="must be a whole number"))
        if name == "period" and table == "kpi_targets":
            checks.append(pa.Check.str_matches(PERIOD_PATTERN, error="must look like 2026-10, 2026-Q4 or 2026"))
        cols[name] = pa.Column(None, checks=checks, nullable=spec.nullable, unique=spec.unique,
                               required=not spec.optional, coerce=False)
    # Cross-column rules (RULES) run in data.validate_rules: pandera would report a failing wide
    # check once per column of the frame, which buries the one column that matters.
    return pa.DataFrameSchema(cols, name=table, strict=False)


def describe() -> pd.DataFrame:
    """One row per table and column: kind, rule summary, description (for README and `kpi-report`)."""
    rows = []
    for table, cols in TABLES.items():
        for name, spec in cols.items():
            rules = []
            if not spec.nullable:
                rules.append("required")
            if spec.unique:
                rules.append("unique")
            if spec.isin:
                rules.append(" / ".join(spec.isin))
            for op, v in (("≥", spec.ge), (">", spec.gt), ("≤", spec.le)):
                if v is not None:
                    rules.append(f"{op} {v:g}")
            if spec.integer:
                rules.append("whole number")
            if spec.optional:
                rules.append("optional column")
            rules += [r.name for r in RULES.get(table, []) if r.column == name]
            rows.append({"table": table, "column": name, "kind": spec.kind,
                         "rules": "; ".join(rules), "description": spec.doc})
    return pd.DataFrame(rows)
