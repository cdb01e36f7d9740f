from __future__ import annotations

from unittest import mock

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError, TextioProNotFoundError
from airflow_provider_textiopro.utils.contact_sync import ContactWrite
from airflow_provider_textiopro.utils.contact_writer import IN_FLIGHT_PER_WORKER, ContactWriter
from tests.support.contact_fakes import GROUP, FakeTextioPro, group_of_three, mobile


@pytest.mark.parametrize("max_workers", [1, 3])
def test_writes_in_flight_are_bounded_whatever_the_batch_size(max_workers):
    writes = [ContactWrite(action="create", phone=mobile(100 + i)) for i in range(300)]
    in_flight: list[int] = []
    with ContactWriter(FakeTextioPro().hook_class, GROUP, max_workers, mock.Mock()) as writer:
        submit = writer._pool.submit

        def counting_submit(*args, **kwargs):
            collected = writer.total + len(writer.errors)
            in_flight.append(len(in_flight) + 1 - collected)
            return submit(*args, **kwargs)

        with mock.patch.object(writer._pool, "submit", side_effect=counting_submit):
            writer.run(writes)

    assert writer.done == {"create": 300}
    assert max(in_flight) == IN_FLIGHT_PER_WORKER * max_workers


def write_all(server, writes, max_workers=2):
    with ContactWriter(server.hook_class, GROUP, max_workers, mock.Mock()) as writer:
        writer.run(writes)
    return writer


def test_a_create_answered_taken_is_kept_to_compare_not_failed():
    server = group_of_three()
    create = ContactWrite("create", mobile(2), {"FIRST_NAME": "Bob"}, row=0)
    writer = write_all(server, [create, ContactWrite("create", mobile(4), {"FIRST_NAME": "Dee"}, row=1)])
    assert writer.errors == []
    assert writer.taken == [create]
    assert writer.done == {"create": 1}
    assert writer.meanwhile == {"created": 1}
    assert server.contacts["a2"].fields == {"FIRST_NAME": "Bob"}


def test_an_update_of_a_contact_deleted_meanwhile_creates_it_with_the_fields_given():
    server = group_of_three()
    del server.contacts["a2"]
    update = ContactWrite("update", mobile(2), {"FIRST_NAME": "Robert", "CITY": ""}, uid="a2", row=0)
    writer = write_all(server, [update])
    assert writer.errors == []
    assert writer.done == {"create": 1}
    assert writer.meanwhile == {"deleted": 1}
    assert server.by_phone(mobile(2)).fields == {"FIRST_NAME": "Robert"}
    assert [w[0] for w in server.writes] == ["update", "create"]


def test_an_update_whose_contact_was_deleted_and_created_again_is_kept_to_compare():
    server = group_of_three()
    server.contacts.pop("a2")
    server.add("b2", mobile(2), FIRST_NAME="Bobby")
    update = ContactWrite("update", mobile(2), {"FIRST_NAME": "Robert"}, uid="a2", row=0)
    writer = write_all(server, [update])
    assert (writer.errors, writer.taken) == ([], [update])
    assert writer.meanwhile == {"deleted": 1, "created": 1}
    assert writer.done == {}


@pytest.mark.parametrize("action", ["unsubscribe", "delete"])
def test_a_removal_of_a_contact_already_gone_is_done(action):
    server = group_of_three()
    del server.contacts["a3"]
    writer = write_all(server, [ContactWrite(action, mobile(3), uid="a3")])
    assert writer.errors == []
    assert writer.done == {}
    assert writer.meanwhile == {"deleted": 1}
    assert server.by_phone(mobile(3)) is None


@pytest.mark.parametrize(
    ("write", "error"),
    [
        (
            ContactWrite("create", mobile(9)),
            TextioProInputError(
                "The p h o n e must be a number.", api_message="The p h o n e must be a number."
            ),
        ),
        (
            ContactWrite("delete", mobile(1), uid="a1"),
            TextioProNotFoundError(
                "no route",
                api_message="The route api/v3/contacts/6065ecdc9184a/delete/a1 could not be found.",
            ),
        ),
        (
            ContactWrite("update", mobile(1), {"FIRST_NAME": "A"}, uid="a1"),
            TextioProNotFoundError(
                "group gone", api_message=f"No query results for model [App\\Models\\ContactGroups] {GROUP}"
            ),
        ),
    ],
)
def test_other_refusals_still_fail_the_write(write, error):
    server = group_of_three()
    server.failures[write.phone] = error
    writer = write_all(server, [write])
    assert [(w, reason.split(":")[0]) for w, reason in writer.errors] == [(write, type(error).__name__)]
    assert (writer.taken, writer.meanwhile, writer.done) == ([], {}, {})
