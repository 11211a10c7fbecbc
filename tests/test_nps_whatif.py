"""The what-if's sentences say what the arithmetic means and recommend nothing it cannot support.

Issue: "the NPS what-if says 'acting on Miền Nam alone would add the most' (it is only the largest
region; Miền Trung is the one significantly low)".
"""
from __future__ import annotations

import pandas as pd
import pytest

from kpi_analysis import nps


def _rows(spec: dict) -> pd.DataFrame:
    rows = [(region, score) for region, (d, p, r) in spec.items() for score in [3] * d + [7] * p + [10] * r]
    return pd.DataFrame(rows, columns=["region", "score"])


@pytest.fixture(scope="module")
def sample_year(sample_table):
    responses = sample_table("nps_responses")
    window = {"start": "2025-11-01", "end": "2026-10-31"}
    return (nps.what_if(responses, by="region", **window), nps.segment(responses, by="region", **window))


def test_the_largest_region_moves_the_total_most_and_the_low_one_is_the_one_to_understand(sample_year):
    what_if, segments = sample_year
    en = what_if.summary(segments=segments)
    assert "would add the most" not in en and "Acting on" not in en
    assert ("For the same share won back, Miền Nam would move the total most (+0.8 points) because it has the most "
            "detractors (336 of 866): the gain follows a segment's size, not how low its score is") in en
    assert ("Miền Trung (NPS +10.6; +0.2 points to the total) is significantly below the other segments: the one to "
            "understand; the same share won back there adds less to the total only because it has fewer "
            "detractors.") in en
    vi = what_if.summary("vi", segments=segments)
    assert "sẽ mang lại nhiều nhất" not in vi
    assert "Miền Nam làm NPS chung tăng nhiều nhất (+0,8 điểm) vì có nhiều người phản đối nhất (336 trên 866)" in vi
    assert "Miền Trung (NPS +10,6; +0,2 điểm cho NPS chung) thấp hơn các nhóm khác có ý nghĩa thống kê: đó là nhóm " \
           "cần tìm hiểu" in vi


def test_without_the_segment_test_it_names_no_segment_to_act_on(sample_year):
    what_if, _ = sample_year
    en = what_if.summary()
    assert "Which segment to understand first is a different question" in en and "Miền Trung" not in en
    assert "Nên tìm hiểu nhóm nào trước là câu hỏi khác" in what_if.summary("vi")


def test_the_segment_test_must_cover_the_same_answers(sample_table, sample_year):
    what_if, _ = sample_year
    other = nps.segment(sample_table("nps_responses"), by="region", start="2026-10", end="2026-10")
    with pytest.raises(ValueError, match="same answers by the same columns"):
        what_if.summary(segments=other)
    with pytest.raises(TypeError, match="NPSSegments"):
        what_if.summary(segments=what_if)


def test_when_the_largest_region_is_also_the_low_one_or_none_is_low():
    rows = _rows({"A": (200, 100, 100), "B": (30, 30, 60), "C": (30, 30, 60), "D": (25, 35, 60)})
    seg, w = nps.segment(rows, by="region"), nps.what_if(rows, by="region")
    assert seg.significant_below == ["A"]
    text = w.summary(segments=seg)
    assert "A would move the total most" in text and "A is also significantly below the other segments" in text
    flat = _rows({"A": (40, 40, 120), "B": (20, 20, 60), "C": (20, 20, 60)})
    text = nps.what_if(flat, by="region").summary(segments=nps.segment(flat, by="region"))
    assert "No segment is significantly below the others (Holm adjustment)" in text
