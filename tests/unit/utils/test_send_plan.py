"""Plan a send: texts, suppression and who goes when (utils/send_plan.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from airflow_provider_textiopro.utils.personal_texts import plan_personal_texts
from airflow_provider_textiopro.utils.send_plan import HOLD, NOW, SCHEDULE_TIME, SENSITIVE_TEXT, plan_send
from airflow_provider_textiopro.utils.send_windows import SendWindow

NOW_UTC = datetime(2027, 1, 15, 13, 0, tzinfo=timezone.utc)  # 14:00 Amsterdam, 08:00 New York, 00:00 Sydney
ROWS = [
    {"PHONE": "+31612340000", "NAME": "Jo"},
    {"PHONE": "+12125550101", "NAME": "Jo"},
    {"PHONE": "+12125550102", "NAME": "Jo"},
    {"PHONE": "+61293744000", "NAME": "Al"},
    {"PHONE": "+31612340001", "NAME": "Al"},
]


def texts():
    return plan_personal_texts("Hi {NAME}", ROWS)


def test_without_window_every_text_goes_now_minus_the_suppressed():
    plan = plan_send(texts(), suppressed=frozenset({"31612340001"}), now=NOW_UTC)
    assert [(s.text, s.numbers, s.how) for s in plan.steps] == [
        (0, ["31612340000", "12125550101", "12125550102"], NOW),
        (1, ["61293744000"], NOW),
    ]
    assert plan.suppressed == ["31612340001"]
    assert plan.estimated_segments() == 4


def test_window_steps_now_first_then_by_opening():
    plan = plan_send(texts(), window=SendWindow("09:00", "21:00"), now=NOW_UTC)
    assert [(s.text, s.numbers, s.at and f"{s.at:%H:%M}", s.how) for s in plan.steps] == [
        (0, ["31612340000"], None, NOW),
        (1, ["31612340001"], None, NOW),
        (0, ["12125550101", "12125550102"], "14:00", SCHEDULE_TIME),
        (1, ["61293744000"], "22:00", HOLD),
    ]


def test_the_plan_is_the_same_for_the_same_inputs():
    first = plan_send(texts(), window=SendWindow("09:00", "21:00"), now=NOW_UTC).to_dict()
    assert plan_send(texts(), window=SendWindow("09:00", "21:00"), now=NOW_UTC).to_dict() == first


def test_to_dict_hides_texts_and_masks_numbers_when_asked():
    plan = plan_send(texts(), suppressed=frozenset({"31612340001"}), now=NOW_UTC)
    shown = plan.to_dict(sensitive=True, masked=True)
    assert {t["text"] for t in shown["texts"]} == {SENSITIVE_TEXT}
    assert shown["suppressed"] == ["+3161****001"]
    assert shown["steps"][0]["recipients"][0] == "+3161****000"
    assert plan.to_dict()["steps"][0]["recipients"][0] == "31612340000"
