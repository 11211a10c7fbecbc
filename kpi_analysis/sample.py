"""The sample data set: a Vietnamese distributor's 36 months, with known answers planted in it.

Every table is drawn from its own child of one ``numpy.random.SeedSequence(seed)``, so the data set
is the same on every machine for a seed, and changing one table's recipe leaves the others as they
were. The planted effects (documented in ``data/sample/README.md`` and checked by
``tests/test_sample.py``) give every analysis a true answer to find.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261028
START, END = "2023-11-01", "2026-10-31"

SOURCES = {  # lead channel -> conversion of an average rep
    "Giới thiệu": 0.45, "Website": 0.25, "Hội chợ": 0.15, "Gọi điện lạnh": 0.06}
MIX = {"Giới thiệu": 0.25, "Website": 0.35, "Hội chợ": 0.20, "Gọi điện lạnh": 0.20}
POOR_MIX = {"Giới thiệu": 0.05, "Website": 0.10, "Hội chợ": 0.15, "Gọi điện lạnh": 0.70}
REPS = {  # rep -> (odds ratio of winning vs an average rep, lead mix, first month)
    "Nguyễn Văn An": (1.0, MIX, None),
    "Trần Thị Bình": (1.0, MIX, None),
    "Lê Hoàng Cường": (0.45, MIX, None),  # persistently weaker at every source
    "Phạm Thu Dung": (1.0, POOR_MIX, None),  # normal skill, poor leads
    "Hoàng Minh Đức": (1.0, MIX, None),  # one bad month, below
    "Vũ Ngọc Hà": (2.0, MIX, None),  # persistently stronger
    "Bùi Thị Lan": (1.0, MIX, None),
    "Đỗ Văn Minh": (1.0, MIX, None),
    "Đặng Quốc Huy": (1.0, MIX, "2026-09"),  # new rep, few leads
}
BAD_MONTH = ("Hoàng Minh Đức", "2026-08", 0.15)
LEADS_PER_REP_MONTH = 42
NEW_REP_LEADS_PER_MONTH = 6
SEASON = {1: 0.80, 2: 0.70, 3: 0.95, 4: 1.0, 5: 1.0, 6: 0.95, 7: 0.95, 8: 1.0, 9: 1.05, 10: 1.10,
          11: 1.20, 12: 1.25}  # Tết dip in Jan/Feb, year-end peak
GROWTH = 0.10  # per year
SEGMENTS = {"Doanh nghiệp nhỏ": (0.5, 45e6), "Doanh nghiệp lớn": (0.2, 180e6), "Hộ kinh doanh": (0.3, 15e6)}

LOCATIONS = {"Hà Nội - Cầu Giấy": 52e6, "Hà Nội - Đống Đa": 51e6, "TP.HCM - Quận 1": 80e6,
             "TP.HCM - Quận 7": 60e6, "Đà Nẵng - Hải Châu": 40e6, "Hải Phòng - Lê Chân": 35e6}
PROMOTIONS = [("Hà Nội - Cầu Giấy", "2026-02-01", "2026-02-28"),
              ("Hà Nội - Đống Đa", "2026-03-01", "2026-03-31")]
PROMO_LIFT = 0.12
WEEKDAY = np.array([0.90, 0.92, 0.95, 0.97, 1.05, 1.20, 1.15])  # Mon..Sun
TICKET = 350_000  # VND per order

REGIONS = {"Miền Bắc": 0.40, "Miền Trung": 0.08, "Miền Nam": 0.40, "Tây Nguyên": 0.12}
LOW_REGION, LOW_REGION_EFFECT = "Miền Trung", -22.0
PRODUCTS = {"Phân bón": 0.45, "Thức ăn chăn nuôi": 0.35, "Hạt giống": 0.20}
BASE_NPS, EARLY_TENURE_EFFECT, EARLY_DAYS = 30.0, -15.0, 90
IMPROVEMENT_FROM, IMPROVEMENT = "2026-07", 15.0
NPS_PER_MONTH, NEW_CUSTOMER_SHARE, BLANK_SHARE = 350, 0.25, 0.01
#: planted in the comments: this share of LOW_REGION's detractors who comment complain of slow delivery
PLANTED_SHARE = 0.6
PLANTED_COMMENTS = ("Giao hàng chậm, phải chờ hơn một tuần.", "Hàng giao chậm so với hẹn, nhân viên không báo trước.",
                    "Giao hàng chậm quá, lỡ cả mùa vụ.", "Đơn hàng giao chậm và thiếu hàng.")

CHANNEL_SPEND = {"Giới thiệu": 30e6, "Website": 120e6, "Hội chợ": 90e6, "Gọi điện lạnh": 60e6}
PRICE_PRODUCTS = {"Phân bón NPK 20-20-15 (bao 50kg)": 720_000, "Thức ăn heo thịt (bao 25kg)": 365_000,
                  "Hạt giống lúa ST25 (kg)": 38_000}
COMPETITORS = ("Công ty Phương Nam", "Công ty Hưng Thịnh")
PRICE_CUT = ("Công ty Phương Nam", "Phân bón NPK 20-20-15 (bao 50kg)", "2026-09-01", -0.06)
TEAMS = {"Kinh doanh Miền Bắc": 18, "Kinh doanh Miền Nam": 18, "Chăm sóc khách hàng": 12, "Kho vận": 12}
ACTIVITY_TYPES = ("đơn hàng", "cuộc gọi", "thăm khách hàng", "email")
N_CLIENTS = 400


def _months(start=START, end=END) -> pd.PeriodIndex:
    return pd.period_range(start, end, freq="M")


def _rngs(seed: int) -> dict[str, np.random.Generator]:
    names = ["leads", "sales", "nps", "spend", "prices", "activity", "survey"]
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {n: np.random.default_rng(c) for n, c in zip(names, children)}


def _volume(month: pd.Period) -> float:
    years = (month.ordinal - pd.Period(START, "M").ordinal) / 12
    return SEASON[month.month] * (1 + GROWTH) ** years


def leads(rng: np.random.Generator) -> pd.DataFrame:
    end = pd.Timestamp(END)
    parts = []
    sources = np.array(list(SOURCES))
    for month in _months():
        days = month.days_in_month
        for rep, (odds, mix, first) in REPS.items():
            if first is not None and month < pd.Period(first, "M"):
                continue
            mean = NEW_REP_LEADS_PER_MONTH if first else LEADS_PER_REP_MONTH * _volume(month)
            n = rng.poisson(mean)
            src = rng.choice(sources, size=n, p=[mix[s] for s in sources])
            base = np.array([SOURCES[s] for s in src])
            o = odds * (BAD_MONTH[2] if (rep, str(month)) == BAD_MONTH[:2] else 1.0)
            p = base * o / (1 - base + base * o)  # the rep's odds ratio applied at each source
            won = rng.random(n) < p
            created = month.start_time + pd.to_timedelta(rng.integers(0, days, n), "D") \
                + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, n), "min")
            delay = np.where(won, rng.gamma(2.0, 10.0, n), rng.gamma(1.5, 10.0, n)) + 1
            closed = created + pd.to_timedelta(np.round(delay * 24 * 60), "min")
            contact = created + pd.to_timedelta(np.round(rng.exponential(30.0, n)), "h")
            parts.append(pd.DataFrame({"created_at": created, "rep": rep, "source": src, "won": won,
                                       "closed_at": closed, "first_contact_at": contact}))
    df = pd.concat(parts, ignore_index=True).sort_values(["created_at", "rep"], kind="stable")
    n = len(df)
    seg_names = np.array(list(SEGMENTS))
    seg = rng.choice(seg_names, size=n, p=[SEGMENTS[s][0] for s in seg_names])
    median = np.array([SEGMENTS[s][1] for s in seg])
    value = np.round(median * np.exp(rng.normal(0, 0.5, n)), -3)
    still_open = df["closed_at"].to_numpy() > end.to_datetime64() + np.timedelta64(1, "D") - np.timedelta64(1, "s")
    never_contacted = (rng.random(n) < 0.04) | (df["first_contact_at"].to_numpy() > end.to_datetime64())
    status = np.where(still_open, "open", np.where(df["won"], "won", "lost"))
    out = pd.DataFrame({
        "lead_id": [f"L{i:06d}" for i in range(1, n + 1)],
        "created_at": df["created_at"].to_numpy(),
        "rep": df["rep"].to_numpy(),
        "source": df["source"].to_numpy(),
        "segment": seg,
        "status": status,
        "closed_at": np.where(still_open, np.datetime64("NaT"), df["closed_at"].to_numpy()),
        "deal_value": np.where(status == "won", value, np.nan),
        "first_contact_at": np.where(never_contacted, np.datetime64("NaT"), df["first_contact_at"].to_numpy()),
    })
    out["closed_at"] = pd.to_datetime(out["closed_at"])
    out["first_contact_at"] = pd.to_datetime(out["first_contact_at"])
    return out


def sales(rng: np.random.Generator) -> pd.DataFrame:
    days = pd.date_range(START, END, freq="D")
    n = len(days)
    t = (days - days[0]).days.to_numpy() / 365.25
    yearly = 1 + 0.08 * np.cos(2 * np.pi * (days.day_of_year.to_numpy() - 350) / 365.25)
    tet = np.ones(n)
    for tet_day in ("2024-02-10", "2025-01-29", "2026-02-17"):  # Lunar New Year: shops close, then recover
        d = (days - pd.Timestamp(tet_day)).days.to_numpy()
        tet *= np.where((d >= -1) & (d <= 3), 0.45, np.where((d > 3) & (d <= 10), 0.85, 1.0))
    common = np.exp(rng.normal(0, 0.04, n))  # weather, paydays: shared by every store
    weekday = WEEKDAY[days.day_of_week.to_numpy()] / WEEKDAY.mean()
    parts = []
    for location, level in LOCATIONS.items():
        eps = np.empty(n)
        eps[0] = rng.normal(0, 0.06)
        shocks = rng.normal(0, 0.06 * np.sqrt(1 - 0.5 ** 2), n)
        for i in range(1, n):  # AR(1) noise: a store's good and bad spells last a few days
            eps[i] = 0.5 * eps[i - 1] + shocks[i]
        lift = np.ones(n)
        for loc, start, end in PROMOTIONS:
            if loc == location:
                lift[(days >= start) & (days <= end)] = 1 + PROMO_LIFT
        revenue = level * (1.06 ** t) * yearly * tet * common * weekday * lift * np.exp(eps)
        orders = rng.poisson(revenue / TICKET)
        parts.append(pd.DataFrame({"date": days, "location": location, "revenue": np.round(revenue, -3),
                                   "orders": orders}))
    return pd.concat(parts, ignore_index=True)


def promotions() -> pd.DataFrame:
    return pd.DataFrame(PROMOTIONS, columns=["location", "start", "end"])


def _nps_scores(rng: np.random.Generator, nps: np.ndarray) -> np.ndarray:
    # Passives stay at 30%; promoters - detractors = NPS/100 fixes the other two shares.
    p = np.clip((0.7 + nps / 100) / 2, 0.02, 0.68)
    d = 0.7 - p
    u = rng.random(len(nps))
    cat = np.where(u < d, 0, np.where(u < d + 0.3, 1, 2))
    detractor = rng.choice(np.arange(7), size=len(nps), p=[.04, .04, .06, .1, .14, .26, .36])
    passive = rng.choice([7, 8], size=len(nps), p=[.45, .55])
    promoter = rng.choice([9, 10], size=len(nps), p=[.5, .5])
    return np.select([cat == 0, cat == 1], [detractor, passive], promoter).astype(float)


def nps_responses(rng: np.random.Generator) -> pd.DataFrame:
    n_customers = 4000
    since = pd.Timestamp("2021-01-01") + pd.to_timedelta(
        np.sort(rng.integers(0, (pd.Timestamp("2026-10-20") - pd.Timestamp("2021-01-01")).days, n_customers)), "D")
    customers = pd.DataFrame({
        "customer_id": [f"KH{i:05d}" for i in range(1, n_customers + 1)],
        "customer_since": since,
        "region": rng.choice(list(REGIONS), n_customers, p=list(REGIONS.values())),
        "product": rng.choice(list(PRODUCTS), n_customers, p=list(PRODUCTS.values())),
    })
    parts = []
    cs = customers["customer_since"].to_numpy()
    for month in _months():
        n = rng.poisson(NPS_PER_MONTH)
        at = month.start_time + pd.to_timedelta(rng.integers(0, month.days_in_month * 24 * 60, n), "min")
        at = at.to_numpy()
        rows = np.empty(n, dtype=int)
        new = rng.random(n) < NEW_CUSTOMER_SHARE
        for i in range(n):
            tenure = (at[i] - cs) / np.timedelta64(1, "D")
            pool = np.flatnonzero((tenure >= 0) & (tenure < EARLY_DAYS)) if new[i] else \
                np.flatnonzero(tenure >= EARLY_DAYS)
            if len(pool) == 0:
                pool = np.flatnonzero(tenure >= 0)
            rows[i] = rng.choice(pool)
        parts.append(pd.DataFrame({"responded_at": at, "customer_row": rows}))
    df = pd.concat(parts, ignore_index=True)
    c = customers.iloc[df["customer_row"]].reset_index(drop=True)
    tenure_days = (df["responded_at"] - c["customer_since"]).dt.days
    effect = (BASE_NPS + np.where(c["region"] == LOW_REGION, LOW_REGION_EFFECT, 0.0)
              + np.where(tenure_days < EARLY_DAYS, EARLY_TENURE_EFFECT, 0.0)
              + np.where(df["responded_at"] >= pd.Timestamp(IMPROVEMENT_FROM), IMPROVEMENT, 0.0))
    score = _nps_scores(rng, np.asarray(effect, dtype=float))
    score[rng.random(len(score)) < BLANK_SHARE] = np.nan
    comments = np.array(["", "", "", "Giao hàng nhanh, nhân viên nhiệt tình.", "Giá hơi cao so với nơi khác.",
                         "Chất lượng ổn định.", "Cần hỗ trợ kỹ thuật tốt hơn.", "Sẽ giới thiệu cho bạn bè."])
    out = pd.DataFrame({
        "response_id": [f"R{i:06d}" for i in range(1, len(df) + 1)],
        "customer_id": c["customer_id"],
        "responded_at": df["responded_at"],
        "score": pd.array(score, dtype="Float64"),
        "region": c["region"],
        "product": c["product"],
        "customer_since": c["customer_since"],
        "comment": rng.choice(comments, len(df)),
    })
    # planted theme: Miền Trung's detractors complain about slow delivery. Drawn after every other value
    # of the table (and from the table's own generator), so no other number of the sample changes.
    who = (c["region"] == LOW_REGION).to_numpy() & (np.nan_to_num(score, nan=10.0) <= 6) \
        & (out["comment"] != "").to_numpy()
    planted = who & (rng.random(len(out)) < PLANTED_SHARE)
    out.loc[planted, "comment"] = rng.choice(PLANTED_COMMENTS, int(planted.sum()))
    return out.sort_values("responded_at", kind="stable").reset_index(drop=True).assign(
        response_id=lambda d: [f"R{i:06d}" for i in range(1, len(d) + 1)])


def marketing_spend(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for month in _months():
        for channel, base in CHANNEL_SPEND.items():
            fair = 2.2 if channel == "Hội chợ" and month.month in (3, 9, 12) else 1.0
            spend = base * _volume(month) * fair * np.exp(rng.normal(0, 0.08))
            rows.append({"month": month.start_time, "channel": channel, "spend": round(spend, -4)})
    return pd.DataFrame(rows)


def competitor_prices(rng: np.random.Generator) -> pd.DataFrame:
    weeks = pd.date_range(START, END, freq="W-MON")
    rows = []
    for product, price in PRICE_PRODUCTS.items():
        ours = price * (1 + 0.04 * (weeks - weeks[0]).days / 365.25)  # list price +4% a year
        for k, competitor in enumerate(COMPETITORS):
            ratio = 1.02 + 0.03 * k + np.cumsum(rng.normal(0, 0.003, len(weeks)))
            comp = ours * ratio
            who, prod, start, cut = PRICE_CUT
            if (competitor, product) == (who, prod):
                comp = np.where(weeks >= pd.Timestamp(start), comp * (1 + cut), comp)
            for w, o, c in zip(weeks, ours, comp):
                rows.append({"date": w, "product": product, "our_price": round(o, -2), "competitor": competitor,
                             "competitor_price": round(c, -2)})
    return pd.DataFrame(rows)


def client_activity(rng: np.random.Generator) -> pd.DataFrame:
    months = _months()
    rows = []
    for i in range(1, N_CLIENTS + 1):
        rate = rng.gamma(2.0, 0.6)  # activities per month
        joined = rng.integers(0, len(months) - 1)
        churn = rng.integers(joined + 1, len(months) + 14)  # some clients go quiet before the end
        for m in range(joined, min(churn, len(months))):
            n = rng.poisson(rate)
            days = np.sort(rng.integers(0, months[m].days_in_month, n))
            for d in days:
                rows.append({"client_id": f"KH{i:05d}", "date": months[m].start_time + pd.Timedelta(days=int(d)),
                             "activity_type": rng.choice(ACTIVITY_TYPES, p=[.35, .35, .15, .15])})
    return pd.DataFrame(rows).sort_values(["date", "client_id"], kind="stable").reset_index(drop=True)


def employee_survey(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    quarters = pd.period_range(START, END, freq="Q")
    eid = 0
    staff = []
    for team, size in TEAMS.items():
        for _ in range(size):
            eid += 1
            staff.append((f"NV{eid:03d}", team))
    for q in quarters:
        day = min(q.end_time.normalize() - pd.Timedelta(days=10), pd.Timestamp(END))
        for employee, team in staff:
            if rng.random() < 0.15:  # not everyone answers every survey
                continue
            mean = 7.2 + (-0.8 if team == "Kho vận" else 0.0)
            rows.append({"employee_id": employee, "date": day, "team": team,
                         "score": float(np.clip(np.round(rng.normal(mean, 1.5)), 0, 10))})
    return pd.DataFrame(rows)


def kpi_targets(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Monthly targets for the last 12 months and the next 2: last year's same month moved by a goal."""
    leads_, sales_ = tables["leads"], tables["sales"]
    new_leads = leads_.groupby(leads_["created_at"].dt.to_period("M")).size()
    revenue = sales_.groupby(sales_["date"].dt.to_period("M"))["revenue"].sum()
    orders = sales_.groupby(sales_["date"].dt.to_period("M"))["orders"].sum()
    spend = tables["marketing_spend"].groupby(tables["marketing_spend"]["month"].dt.to_period("M"))["spend"].sum()
    won = leads_[leads_["status"] == "won"]
    cac = spend / won.groupby(won["closed_at"].dt.to_period("M")).size()
    owners = {"financial": "Giám đốc kinh doanh", "customer": "Trưởng phòng CSKH",
              "internal": "Trưởng nhóm bán hàng", "learning": "Trưởng phòng nhân sự"}
    rows = []
    last = pd.Period(END, "M")
    for month in pd.period_range(last - 11, last + 2, freq="M"):
        ly = month - 12
        spec = [
            ("new_leads", round(new_leads.get(ly, np.nan) * 1.10), "higher_is_better", "customer"),
            ("leads_contacted_share", 0.90, "higher_is_better", "internal"),
            ("cac", round(cac.get(ly, np.nan) * 0.95, -3), "lower_is_better", "financial"),
            ("revenue", round(revenue.get(ly, np.nan) * 1.08, -6), "higher_is_better", "financial"),
            ("orders", round(orders.get(ly, np.nan) * 1.05), "higher_is_better", "financial"),
            ("price_index", 1.0, "lower_is_better", "customer"),
            ("client_engagement", 0.60, "higher_is_better", "customer"),
            ("clients_at_risk", 40.0, "lower_is_better", "customer"),
            ("employee_satisfaction", 7.5, "higher_is_better", "learning"),
            ("enps", 10.0, "higher_is_better", "learning"),
            ("nps", 35.0, "higher_is_better", "customer"),
        ]
        for kpi, target, direction, perspective in spec:
            if pd.notna(target):
                rows.append({"kpi": kpi, "period": str(month), "target": float(target), "direction": direction,
                             "perspective": perspective, "owner": owners[perspective]})
    return pd.DataFrame(rows)


def generate(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Every sample table (canonical columns) plus ``promotions``, drawn from ``seed``."""
    rng = _rngs(seed)
    tables = {
        "leads": leads(rng["leads"]),
        "sales": sales(rng["sales"]),
        "nps_responses": nps_responses(rng["nps"]),
        "marketing_spend": marketing_spend(rng["spend"]),
        "competitor_prices": competitor_prices(rng["prices"]),
        "client_activity": client_activity(rng["activity"]),
        "employee_survey": employee_survey(rng["survey"]),
    }
    tables["kpi_targets"] = kpi_targets(tables)
    tables["promotions"] = promotions()
    return tables


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            midnight = (out[col].dropna() == out[col].dropna().dt.normalize()).all()
            fmt = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S"
            out[col] = out[col].dt.strftime(fmt)
    return out


def write_sample(out_dir: str | Path = "data/sample", *, seed: int = SEED) -> dict[str, Path]:
    """Write every sample table as UTF-8 CSV into ``out_dir``; returns {table: path}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in generate(seed).items():
        path = out_dir / f"{name}.csv"
        _csv_ready(df).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths[name] = path
    return paths
