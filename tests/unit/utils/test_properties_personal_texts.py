"""Properties of personal texts: every recipient gets its own row's text, exactly once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_textiopro.utils.personal_texts import fill_tags, plan_personal_texts
from tests.support.properties import FAST, result_or_error

pytestmark = pytest.mark.property

NAMES = st.sampled_from(["Jo", "Al", "Mo", None, "", "{FIRST_NAME}"])
ROWS = st.lists(
    st.fixed_dictionaries(
        {"PHONE": st.integers(0, 40).map(lambda i: f"+3161234{i:04d}"), "FIRST_NAME": NAMES}
    ),
    min_size=1,
    max_size=60,
)
PLAIN_TEXT = st.text(alphabet="ab {}|_AZ19", max_size=40)


@FAST
@given(rows=ROWS)
def test_every_number_gets_its_rows_text_once_or_a_conflict_is_refused(rows):
    message = "Hi {FIRST_NAME|there}!"
    texts: dict[str, set[str]] = {}
    for row in rows:
        texts.setdefault(row["PHONE"][1:], set()).add(fill_tags(message, row))
    plan, error = result_or_error(plan_personal_texts, message, rows)
    conflicting = [number for number, filled in texts.items() if len(filled) > 1]
    assert (error is not None) == bool(conflicting)
    if error is not None:
        assert any(f"+{number} another text" in str(error) for number in conflicting)
        return
    first = {number: filled.pop() for number, filled in texts.items()}
    got = {number: group.text for group in plan.groups for number in group.numbers}
    assert got == first
    assert len(plan.numbers) == len(set(plan.numbers))
    assert len({group.text for group in plan.groups}) == len(plan.groups)


@FAST
@given(message=PLAIN_TEXT)
def test_plain_recipients_never_change_the_message(message):
    plan = plan_personal_texts(message or "x", ["+31612345678", "+31612345679"])
    assert [group.text for group in plan.groups] == [message or "x"]
