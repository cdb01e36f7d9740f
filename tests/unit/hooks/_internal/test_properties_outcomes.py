"""Properties of the per-recipient outcome reading: one outcome per recipient of the request, no other."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_textiopro.hooks._internal.answers import (
    outcomes_from_answer,
    reasons_by_number,
    refused,
)
from airflow_provider_textiopro.models import Message
from tests.support.properties import FAST, chunks, json_values, send_data

pytestmark = pytest.mark.property

texts = st.text(max_size=80) | st.none()


@FAST
@given(data=st.data(), chunk=chunks, message=texts, scheduled=st.booleans())
def test_every_recipient_gets_exactly_one_outcome_and_nobody_else_does(data, chunk, message, scheduled):
    answer = data.draw(send_data(chunk), label="data")

    outcomes = outcomes_from_answer(chunk, answer, message, scheduled=scheduled)

    assert [outcome.recipient for outcome in outcomes] == chunk
    for outcome in outcomes:
        assert outcome.accepted or outcome.error or outcome.status == "scheduled"
    items = answer if isinstance(answer, list) else [answer]
    answered = {Message.from_api(item).uid for item in items if isinstance(item, Mapping)}
    assert {outcome.uid for outcome in outcomes if outcome.uid} <= answered


@FAST
@given(chunk=chunks, answer=json_values, message=texts | json_values, scheduled=st.booleans())
def test_any_json_answer_is_read_without_crashing(chunk, answer, message, scheduled):
    outcomes = outcomes_from_answer(
        chunk, answer, message if isinstance(message, str) else None, scheduled=scheduled
    )
    assert [outcome.recipient for outcome in outcomes] == chunk


@FAST
@given(data=st.data(), chunk=chunks)
def test_reasons_are_parts_of_the_text_for_numbers_of_the_request_only(data, chunk):
    pieces = st.sampled_from(chunk) | st.from_regex(r"\+?[0-9]{6,16}", fullmatch=True) | st.text(max_size=20)
    words = data.draw(st.lists(pieces, max_size=8), label="words")
    separators = data.draw(
        st.lists(
            st.sampled_from([" ", ", ", "; ", ". ", "\n", " is invalid. "]),
            min_size=len(words),
            max_size=len(words),
        )
    )
    text = "".join(word + separator for word, separator in zip(words, separators, strict=True))

    reasons = reasons_by_number(chunk, text)

    assert set(reasons) <= set(chunk)
    for number, reason in reasons.items():
        assert number in reason
        assert reason in text


@FAST
@given(chunk=chunks, text=st.text(max_size=80))
def test_a_refused_request_gives_each_recipient_one_outcome_without_a_message(chunk, text):
    outcomes = refused(chunk, text)

    assert [outcome.recipient for outcome in outcomes] == chunk
    assert not any(outcome.accepted for outcome in outcomes)
    assert all(outcome.error for outcome in outcomes)
