"""Canonical column names of the tables every analysis reads (see ``schema.py`` for their rules)."""

LEADS = ["lead_id", "created_at", "rep", "source", "segment", "status", "closed_at", "deal_value"]
LEADS_OPTIONAL = ["first_contact_at"]
SALES = ["date", "location", "revenue", "orders"]
NPS_RESPONSES = ["response_id", "customer_id", "responded_at", "score", "region", "product",
                 "customer_since"]
NPS_RESPONSES_OPTIONAL = ["comment"]
MARKETING_SPEND = ["month", "channel", "spend"]
COMPETITOR_PRICES = ["date", "product", "our_price", "competitor", "competitor_price"]
CLIENT_ACTIVITY = ["client_id", "date", "activity_type"]
EMPLOYEE_SURVEY = ["employee_id", "date", "team", "score"]
KPI_TARGETS = ["kpi", "period", "target", "direction", "perspective", "owner"]

TABLES = {
    "leads": LEADS,
    "sales": SALES,
    "nps_responses": NPS_RESPONSES,
    "marketing_spend": MARKETING_SPEND,
    "competitor_prices": COMPETITOR_PRICES,
    "client_activity": CLIENT_ACTIVITY,
    "employee_survey": EMPLOYEE_SURVEY,
    "kpi_targets": KPI_TARGETS,
}
OPTIONAL = {"leads": LEADS_OPTIONAL, "nps_responses": NPS_RESPONSES_OPTIONAL}

LEAD_STATUSES = ("won", "lost", "open")
DIRECTIONS = ("higher_is_better", "lower_is_better")
PERSPECTIVES = ("financial", "customer", "internal", "learning")
