"""nps.comments: segmentation, term arithmetic against hand counts and statsmodels, the planted theme of the
sample, bad input (NFD, emoji, mixed scripts, long texts, no comments), HTML escaping and privacy."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import config, nps
from kpi_analysis.nps import text

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------------
# segmentation


def test_vietnamese_words_of_several_syllables_come_back_as_one_word():
    assert text.words("Nhân viên nhiệt tình, chất lượng ổn định.") == [
        "nhân viên", "nhiệt tình", None, "chất lượng", "ổn định", None]
    assert text.words("Cần hỗ trợ kỹ thuật tốt hơn.") == ["cần", "hỗ trợ", "kỹ thuật", "tốt", "hơn", None]
    assert "bạn bè" in text.words("Sẽ giới thiệu cho bạn bè.")


@pytest.mark.parametrize("sentence", ["Giao hàng nhanh, nhân viên nhiệt tình.", "Giao hàng chậm, phải chờ hơn một tuần.",
                                      "Tôi hài lòng với dịch vụ giao hàng."])
def test_giao_hang_is_two_words_for_underthesea_and_one_phrase_here(sentence):
    # underthesea 9.5 returns "giao" and "hàng" apart in every sentence tried (checked, not assumed);
    # the two-word phrases put "giao hàng" back together
    got = text.words(sentence)
    assert "giao hàng" not in got and "giao" in got and "hàng" in got
    assert "giao hàng" in text.terms(sentence)[1]


def test_english_and_unspaced_scripts():
    assert text.words("Delivery was late, not happy!") == ["delivery", "was", "late", None, "not", "happy", None]
    words, phrases = text.terms("Delivery was late, not happy!")
    assert {"delivery", "late", "not", "happy"} <= words and "was" not in words  # negations are kept
    assert phrases == {"not happy"}
    assert text.words("送货很慢") == ["送", "货", "很", "慢"]  # Chinese: characters, so phrases are 2-char words
    assert "送 货" in text.terms("送货很慢")[1]


def test_stop_words_are_shipped_with_the_package_and_cover_both_languages():
    stop = text.stop_words()
    assert {"và", "của", "chúng tôi", "the", "and"} <= stop
    assert not {"không", "chưa", "not", "no"} & stop  # negations carry meaning
    assert all(w == unicodedata.normalize("NFC", w) for w in stop)


def test_segmentation_runs_offline_without_any_download(tmp_path):
    """underthesea's model ships in the package: with every connection refused, Hugging Face offline and an
    empty home (no cached model), the first segmentation still works."""
    code = textwrap.dedent("""
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network refused by the test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from kpi_analysis.nps import text
        print(text.words("Nhân viên giao hàng nhiệt tình"))
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "'nhân viên'" in done.stdout
    assert not any(tmp_path.iterdir()), list(tmp_path.rglob("*"))  # nothing downloaded or cached


# ---------------------------------------------------------------------------------------------------
# the arithmetic, by hand and against statsmodels


def test_term_differences_by_hand():
    # 12 of 40 comments of the group use the term; 8 of the other 360 do.
    t = pd.DataFrame({"mentions": [12], "comments": [40], "mentions_all": [20], "comments_all": [400]})
    out = term_differences_row(t)
    # Agresti-Caffo: add one comment using it and one not to each side
    p1, p2 = 13 / 42, 9 / 362
    se = np.sqrt(p1 * (1 - p1) / 42 + p2 * (1 - p2) / 362)
    assert out["share"] == pytest.approx(0.3) and out["share_rest"] == pytest.approx(8 / 360)
    assert out["difference"] == pytest.approx(0.3 - 8 / 360)
    assert out["statistic"] == pytest.approx((p1 - p2) / se)
    assert out["ci_low"] == pytest.approx(p1 - p2 - 1.959964 * se, abs=1e-6)
    assert out["ci_high"] == pytest.approx(p1 - p2 + 1.959964 * se, abs=1e-6)
    from scipy.stats import norm

    assert out["p_value"] == pytest.approx(2 * norm.sf((p1 - p2) / se))


def term_differences_row(t):
    return nps.term_differences(t).iloc[0]


def test_term_differences_match_statsmodels_and_adjust_within_each_group():
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import test_proportions_2indep

    t = pd.DataFrame({"group": ["a", "a", "a", "b", "b"], "mentions": [10, 3, 0, 5, 40],
                      "comments": [50, 50, 50, 200, 200], "mentions_all": [30, 20, 8, 30, 90],
                      "comments_all": [1000] * 5})
    out = nps.term_differences(t, family="group")
    ref = test_proportions_2indep(t["mentions"], t["comments"], t["mentions_all"] - t["mentions"],
                                  t["comments_all"] - t["comments"], method="agresti-caffo", compare="diff")
    np.testing.assert_allclose(out["p_value"], ref.pvalue)
    np.testing.assert_allclose(out["p_adj"][:3], multipletests(ref.pvalue[:3], method="holm")[1])
    np.testing.assert_allclose(out["p_adj"][3:], multipletests(ref.pvalue[3:], method="holm")[1])
    assert out.loc[0, "direction"] == "more"


def test_term_differences_refuse_impossible_counts():
    t = pd.DataFrame({"mentions": [12], "comments": [10], "mentions_all": [20], "comments_all": [400]})
    with pytest.raises(ValueError, match="mentions <= comments"):
        nps.term_differences(t)


def test_counts_of_a_small_table_match_hand_counts():
    rows = pd.DataFrame({
        "region": ["Bắc", "Bắc", "Bắc", "Bắc", "Nam", "Nam", "Nam", "Nam", "Nam", "Nam"],
        "score": [2, 5, 9, 10, 3, 9, 9, 10, 8, None],
        "comment": ["Slow delivery", "slow delivery, rude staff", "great staff", "Great price",
                    "price too high", "great staff", "", "great delivery", "ok price", "slow"],
    })
    res = nps.comments(rows, by="region", min_mentions=2, min_comments=1)
    assert res.n_answers == 9 and res.n_comments == 8 and res.excluded.as_dict() == {"blank_score": 1}
    t = res.terms.set_index(["segment", "category", "phrase"])
    # Bắc detractors: 2 comments, both say "slow delivery"; the other 6 comments: none says "slow"
    # (the blank-score comment "slow" has no category and is not counted)
    row = t.loc[("Bắc", "detractor", "slow delivery")]
    assert (row["mentions"], row["comments"], row["mentions_all"], row["comments_all"]) == (2, 2, 2, 8)
    assert row["share"] == 1.0 and row["share_rest"] == 0.0
    # Nam promoters: "great" in 2 of 2 comments ("" is no comment); elsewhere 2 of 6 ("great staff", "Great price")
    row = t.loc[("Nam", "promoter", "great")]
    assert (row["mentions"], row["comments"], row["share_rest"]) == (2, 2, pytest.approx(2 / 6))
    # "price" is used by 3 comments overall: tested in every group, also where nobody says it
    assert t.loc[("Bắc", "detractor", "price"), "mentions"] == 0
    cells = res.cells.set_index(["segment", "category"])
    assert cells.loc[("Nam", "promoter"), "answers"] == 3 and cells.loc[("Nam", "promoter"), "comments"] == 2


# ---------------------------------------------------------------------------------------------------
# the sample: the planted theme is found where the NPS page flags the segment


@pytest.fixture(scope="module")
def sample_responses():
    return pd.read_csv(ROOT / "data" / "sample" / "nps_responses.csv")


@pytest.fixture(scope="module")
def sample_result(sample_responses):
    return nps.comments(sample_responses, by="region", start="2025-11-01", end="2026-10-31")


def test_the_planted_theme_marks_the_flagged_segments_detractors(sample_responses, sample_result):
    flagged = nps.segment(sample_responses, by="region", start="2025-11-01", end="2026-10-31").significant_below
    assert flagged == ["Miền Trung"]
    out = sample_result.standing_out
    mine = out.loc[(out["segment"] == "Miền Trung") & (out["category"] == "detractor")]
    assert mine["phrase"].iloc[0] == "chậm" and mine["share"].iloc[0] > 0.4 and mine["share_rest"].iloc[0] == 0
    assert "giao chậm" in set(mine["phrase"])
    assert set(out["segment"]) == {"Miền Trung"}  # no other segment has a theme of its own
    for locale in ("en", "vi"):
        summary = sample_result.summary(locale)
        assert "Miền Trung" in summary and "“chậm”" in summary
        about = sample_result.about("Miền Trung", locale)
        assert about.count("“") >= 6 and "chậm" in about


def test_verbatims_are_typical_and_deterministic(sample_responses, sample_result):
    v = sample_result.verbatims_of("Miền Trung", "detractor")
    assert len(v) == 3 and v["comment"].str.contains("chậm").all()
    assert v["comment"].is_unique
    again = nps.comments(sample_responses, by="region", start="2025-11-01", end="2026-10-31")
    pd.testing.assert_frame_equal(again.verbatims, sample_result.verbatims)
    assert again.headline() == sample_result.headline()


# ---------------------------------------------------------------------------------------------------
# bad input


def test_nfd_text_gives_the_same_terms_as_nfc():
    nfc = "Giao hàng chậm, nhân viên không báo trước."
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    rows = pd.DataFrame({"score": [3, 3, 9], "comment": [nfc, nfd, "Tốt"]})
    res = nps.comments(rows, min_mentions=1)
    t = res.terms.loc[res.terms["category"] == "detractor"]
    assert t.loc[t["phrase"] == "chậm", "mentions"].item() == 2
    assert t.loc[t["phrase"] == "chậm", "covered"].item()  # always inside "hàng chậm": listed once, as the phrase
    assert "hàng chậm" in res.terms_of(category="detractor")["phrase"].tolist()
    assert res.verbatims_of(category="detractor")["comment"].tolist() == [nfc]  # one text, in NFC


def test_emoji_mixed_scripts_and_long_texts():
    long = "Nhân viên giao hàng " + "rất rất " * 200 + "chậm."
    rows = pd.DataFrame({"score": [2, 2, 2, 10],
                         "comment": ["Giao hàng chậm 😡😡", "Service chậm, very slow 送货很慢 🚚", long, "👍👍"]})
    res = nps.comments(rows, min_mentions=1, max_chars=120)
    words = set(res.terms["phrase"])
    assert "chậm" in words and "slow" in words and "慢" in words
    assert not any(any(ord(ch) > 0x1F000 for ch in w) for w in words)  # no emoji among the terms
    assert res.notes.as_dict()["long_comments_cut"] == 1
    cut = [c for c in res.verbatims["comment"] if c.startswith("Nhân viên giao hàng")]
    assert cut and len(cut[0]) <= 120 and cut[0].endswith("…")
    assert "👍👍" in res.verbatims["comment"].tolist()  # an emoji-only comment is shown, though it has no term
    for locale in ("en", "vi"):
        assert "120" in res.summary(locale)


@pytest.mark.parametrize("column", ["blank", "missing", "nan"])
def test_no_comments_says_so_and_nothing_else(column):
    rows = pd.DataFrame({"score": [1, 8, 10]})
    if column == "blank":
        rows["comment"] = ["", "  ", ""]
    elif column == "nan":
        rows["comment"] = [None, np.nan, None]
    res = nps.comments(rows, by=None)
    assert res.summary("en") == "No comments."
    assert res.summary("vi") == "Không có nhận xét."
    assert res.about("", "en") == "No comments."
    assert res.n_comments == 0 and res.terms.empty and res.verbatims.empty
    assert "No comments." in res._repr_html_() and "<table" not in res._repr_html_()
    assert res.headline()["notes"] == ["no_comments"]


def test_comments_are_escaped_in_html():
    rows = pd.DataFrame({"score": [1, 1, 1], "comment": ["<script>alert('x')</script> giao chậm",
                                                         "<b>giao chậm</b> & trễ", "giao chậm"]})
    page = nps.comments(rows, min_mentions=1)._repr_html_()
    assert "<script>" not in page and "<b>giao" not in page
    assert "&lt;script&gt;" in page and "&amp; trễ" in page


def test_bad_arguments_and_scores_are_named():
    rows = pd.DataFrame({"score": [1, 12], "comment": ["a", "b"]})
    with pytest.raises(ValueError, match=r"nps_responses.score must be between 0 and 10"):
        nps.comments(rows)
    with pytest.raises(ValueError, match="missing column"):
        nps.comments(rows.rename(columns={"score": "points"}))
    with pytest.raises(TypeError, match="verbatims must be True or False"):
        nps.comments(rows.iloc[:1], verbatims="no")
    with pytest.raises(ValueError, match="adjust"):
        nps.comments(rows.iloc[:1], adjust="sidak")


# ---------------------------------------------------------------------------------------------------
# privacy


def _with_ids():
    return pd.DataFrame({"customer_id": ["KH00001", "KH00002", "KH00003", "KH00004"],
                         "response_id": ["R1", "R2", "R3", "R4"], "region": ["Bắc", "Bắc", "Nam", "Nam"],
                         "score": [2, 3, 9, 10], "comment": ["Giao hàng chậm", "giao chậm quá", "Tốt", "Rất tốt"]})


def test_verbatims_never_show_an_identifier():
    res = nps.comments(_with_ids(), by="region", min_mentions=1)
    assert not {"customer_id", "response_id"} & set(res.verbatims.columns)
    shown = res._repr_html_() + res.summary("en") + res.about("Bắc", "en") + str(res.headline())
    assert "KH0000" not in shown and "R1" not in shown
    assert len(res.verbatims) == 4


def test_the_switch_turns_verbatims_off_and_keeps_the_terms():
    res = nps.comments(_with_ids(), by="region", min_mentions=1, verbatims=False)
    assert res.verbatims.empty and not res.terms.empty and "verbatims_off" in res.notes
    page = res._repr_html_()
    assert "Giao hàng chậm" not in page and "giao chậm quá" not in page and "chậm" in page
    for locale in ("en", "vi"):
        about = res.about("Bắc", locale)
        assert "analyses.nps.verbatims" in about and "giao chậm quá" not in about


def test_the_workbook_setting(tmp_path, sample_dir):
    path = tmp_path / "workbook.yml"
    path.write_text("analyses:\n  nps:\n    verbatims: false\n", encoding="utf-8")
    assert config.open_workbook(path, data_dir=sample_dir).show_verbatims is False
    assert config.open_workbook(None, data_dir=sample_dir).show_verbatims is True
    path.write_text("analyses:\n  nps:\n    verbatim: no\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="analyses.nps.verbatim: unknown key; did you mean 'verbatims'"):
        config.load(path)


# ---------------------------------------------------------------------------------------------------
# the NPS page


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "vi"])
def test_the_page_shows_words_and_verbatims_for_the_flagged_segment(tmp_path, sample_table, locale):
    from kpi_analysis import report

    sample_table("nps_responses")
    res = report.run(ROOT / "workbook.yml", period="2026-10", only=["04_nps_segmentation"], locale=locale,
                     out_dir=tmp_path / locale)
    assert res.status == "ok", res.manifest["notebooks"]
    entry = res.manifest["notebooks"][0]
    page = (res.report_dir / entry["outputs"]["html"]).read_text(encoding="utf-8")
    said = {"en": "In their own words (Miền Trung, detractors (0-6)):",
            "vi": "Nguyên văn (Miền Trung, người phản đối (0-6)):"}[locale]
    assert said in page and "“chậm”" in page
    assert page.count("Giao hàng chậm quá, lỡ cả mùa vụ.") + page.count("Đơn hàng giao chậm và thiếu hàng.") \
        + page.count("Hàng giao chậm so với hẹn, nhân viên không báo trước.") >= 3
    comments = entry["headline"]["nps_comments"]
    assert comments["groups"]["Miền Trung / detractor"]["standing_out"][0] == "chậm"
    assert "Giao hàng chậm" not in json.dumps(entry["headline"], ensure_ascii=False)  # no comment text recorded
    assert not re.search(r"\bKH\d{5}\b", page)  # no customer ID on the page


@pytest.mark.slow
def test_the_notebook_runs_without_a_comment_column(tmp_path):
    import papermill as pm

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for path in (ROOT / "data" / "sample").glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.drop(columns=["comment"], errors="ignore").to_csv(data_dir / path.name, index=False)
    out = tmp_path / "04.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "04_nps_segmentation.ipynb"), str(out), kernel_name="python3",
                        parameters={"locale": "en", "data_dir": str(data_dir)}, cwd=str(ROOT / "notebooks"),
                        progress_bar=False)
    page = out.read_text(encoding="utf-8")
    assert "No comments." in page and "In their own words" not in page


def test_an_ibis_table_and_a_derived_tenure_band():
    import ibis

    rows = _with_ids().assign(responded_at=pd.to_datetime(["2026-01-10", "2026-05-01", "2026-05-02", "2026-05-03"]),
                              customer_since=pd.to_datetime(["2026-01-01", "2024-01-01", "2024-01-01", "2026-04-20"]))
    res = nps.comments(ibis.memtable(rows), by=["region", "tenure_band"], min_mentions=1)
    assert set(res.cells["segment"]) == {"Bắc / 0-89", "Bắc / 730+", "Nam / 730+", "Nam / 0-89"}
    assert res.n_comments == 4
