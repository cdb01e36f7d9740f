from __future__ import annotations

import json
from unittest import mock

import pytest

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProError,
    TextioProInputError,
    TextioProServerError,
    TextioProServerFaultError,
)
from airflow_provider_textiopro.operators.contacts import TextioProUpsertContactsOperator
from tests.support.contact_fakes import GROUP, FakeHook, mobile

MODULE = "airflow_provider_textiopro.operators.contacts"


def run(records, **kwargs):
    kwargs.setdefault("group_uid", GROUP)
    return TextioProUpsertContactsOperator(task_id="upsert", records=records, **kwargs).execute({})


RECORDS = [
    {"phone": "+31 6 1234 0001", "first_name": "Ann"},
    {"PHONE": "06 1234 0002", "FIRST_NAME": "Robert"},
    {"PHONE": mobile(4), "FIRST_NAME": "Dee", "LAST_NAME": "Lee"},
]


def test_upsert_counts_writes_and_asset_event(server, emitted):
    result = run(RECORDS)
    assert result == {
        "group_uid": GROUP,
        "rows": 3,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "removed": 0,
        "invalid": 0,
        "created_meanwhile": 0,
        "deleted_meanwhile": 0,
        "invalid_rows": [],
    }
    assert sorted(server.writes) == [
        ("create", mobile(4), {"FIRST_NAME": "Dee", "LAST_NAME": "Lee"}),
        ("update", mobile(2), {"FIRST_NAME": "Robert"}),
    ]
    asset, extra = emitted.call_args.args[1:]
    assert asset.uri == f"textiopro://group/{GROUP}"
    assert extra == {k: v for k, v in result.items() if k != "invalid_rows"}
    json.dumps(result)


def test_second_run_with_the_same_input_writes_nothing(server, emitted):
    run(RECORDS, full_sync="unsubscribe")
    server.writes.clear()
    result = run(RECORDS, full_sync="unsubscribe")
    assert server.writes == []
    assert (result["created"], result["updated"], result["removed"], result["unchanged"]) == (0, 0, 0, 3)


def test_records_as_json_string(server, emitted):
    assert run(json.dumps(RECORDS))["created"] == 1


@pytest.mark.parametrize("records", [{"PHONE": mobile(9)}, None, "{not json"])
def test_records_must_be_a_list_of_dicts(server, records):
    with pytest.raises(TextioProInputError, match="records"):
        run(records)
    assert server.writes == []


def test_invalid_rows_are_reported_with_row_and_reason(server, emitted):
    records = [*RECORDS, {"FIRST_NAME": "no phone"}, {"PHONE": "12"}, {"PHONE": mobile(4)}]
    records += [{"PHONE": mobile(100 + i)} for i in range(24)]
    result = run(records)
    assert result["invalid"] == 3
    assert [r["row"] for r in result["invalid_rows"]] == [3, 4, 5]
    assert "PHONE is missing" in result["invalid_rows"][0]["reason"]
    assert "not usable" in result["invalid_rows"][1]["reason"]
    assert "duplicate PHONE" in result["invalid_rows"][2]["reason"]
    assert result["created"] == 25


def test_too_many_invalid_rows_fail_after_writing_valid_ones_and_remove_nothing(server, emitted):
    records = [{"PHONE": mobile(1), "FIRST_NAME": "Annie"}, {"PHONE": "bad"}]
    with pytest.raises(TextioProError, match=r"1 of 2 rows are invalid, more than max_invalid_ratio=0.4"):
        run(records, max_invalid_ratio=0.4, full_sync="delete")
    assert server.writes == [("update", mobile(1), {"FIRST_NAME": "Annie"})]
    emitted.assert_not_called()


def test_invalid_share_at_the_limit_passes(server, emitted):
    assert run([{"PHONE": mobile(1)}, {"PHONE": "bad"}], max_invalid_ratio=0.5)["invalid"] == 1


def test_only_the_first_100_invalid_rows_are_kept(server, emitted):
    result = run([{"PHONE": "x"}] * 150 + [{"PHONE": mobile(1)}], max_invalid_ratio=1)
    assert result["invalid"] == 150
    assert len(result["invalid_rows"]) == 100


@pytest.mark.parametrize(("mode", "action"), [("unsubscribe", "update"), ("delete", "delete")])
def test_full_sync_removes_missing_contacts(server, emitted, mode, action):
    result = run([{"PHONE": mobile(1)}], full_sync=mode)
    assert result["removed"] == 2
    assert sorted(w[:2] for w in server.writes) == [(action, mobile(2)), (action, mobile(3))]
    if mode == "unsubscribe":
        assert {w[2]["status"] for w in server.writes} == {"unsubscribe"}


def test_full_sync_refuses_to_empty_the_group(server, emitted):
    with pytest.raises(TextioProError, match="no valid input row would remove all 3 contacts"):
        run([{"PHONE": "bad"}], full_sync="delete", max_invalid_ratio=1)
    assert server.writes == []


def test_failed_writes_do_not_stop_the_others(server, emitted):
    server.failures[mobile(4)] = TextioProServerError("HTTP 500")
    records = [{"PHONE": mobile(i), "FIRST_NAME": "New"} for i in range(1, 8)]
    with pytest.raises(
        TextioProError, match=rf"1 writes failed.*create {mobile(4)}: TextioProServerError: HTTP 500"
    ):
        run(records)
    assert len(server.writes) == 7
    assert server.by_phone(mobile(7)) is not None
    emitted.assert_not_called()


def test_auth_error_stops_the_sync(server, emitted):
    server.failures[mobile(10)] = TextioProAuthError("Unauthenticated.")
    with pytest.raises(TextioProAuthError):
        run([{"PHONE": mobile(10 + i)} for i in range(50)], max_workers=1)
    assert len(server.writes) == 1


def test_one_hook_per_worker_thread(server, emitted):
    run([{"PHONE": mobile(100 + i)} for i in range(200)], max_workers=3)
    writers = [h for h in server.hooks if h.threads]
    assert 1 <= len(writers) <= 3
    assert all(len(h.threads) == 1 for h in writers)
    assert len({t for h in writers for t in h.threads}) == len(writers)
    assert len(server.contacts) == 203


def test_contacts_created_meanwhile_are_compared_after_one_read_again(server, emitted):
    def someone_else(group):
        group.add("s4", mobile(4), FIRST_NAME="Dee", LAST_NAME="Lee")
        group.add("s5", mobile(5), FIRST_NAME="Eve", CITY="Delft")

    server.meanwhile = someone_else
    with mock.patch(f"{MODULE}.RECORDS_BATCH_SIZE", 2):
        result = run(
            [*RECORDS, {"PHONE": mobile(5), "FIRST_NAME": "Eve", "CITY": "Leiden"}, {"PHONE": mobile(6)}]
        )

    assert server.reads == 2
    assert {k: result[k] for k in ("created", "updated", "unchanged", "created_meanwhile")} == {
        "created": 1,
        "updated": 2,
        "unchanged": 2,
        "created_meanwhile": 2,
    }
    assert sorted(server.writes) == [
        ("create", mobile(4), {"FIRST_NAME": "Dee", "LAST_NAME": "Lee"}),
        ("create", mobile(5), {"FIRST_NAME": "Eve", "CITY": "Leiden"}),
        ("create", mobile(6), {}),
        ("update", mobile(2), {"FIRST_NAME": "Robert"}),
        ("update", mobile(5), {"FIRST_NAME": "Eve", "CITY": "Leiden"}),
    ]
    assert server.contacts["s5"].fields == {"FIRST_NAME": "Eve", "CITY": "Leiden"}
    assert len(server.contacts) == 6
    emitted.assert_called_once()


def test_without_a_conflict_the_group_is_read_once(server, emitted):
    run(RECORDS)
    assert server.reads == 1


def test_contacts_deleted_meanwhile_end_as_asked(server, emitted):
    def someone_else(group):
        del group.contacts["a1"], group.contacts["a2"]

    server.meanwhile = someone_else
    result = run([{"PHONE": mobile(1), "FIRST_NAME": "Annie"}], full_sync="delete")

    assert {k: result[k] for k in ("created", "updated", "removed", "deleted_meanwhile")} == {
        "created": 1,
        "updated": 0,
        "removed": 1,
        "deleted_meanwhile": 2,
    }
    assert [(c.phone, c.fields) for c in server.contacts.values()] == [(mobile(1), {"FIRST_NAME": "Annie"})]
    assert server.reads == 1


def test_a_contact_taken_again_after_the_read_again_fails_the_sync(server, emitted):
    def replaced_after_the_read_again(group):
        group.contacts.pop("s4")
        group.add("t4", mobile(4), FIRST_NAME="Other")

    def someone_else(group):
        group.add("s4", mobile(4))
        group.meanwhile = replaced_after_the_read_again

    server.meanwhile = someone_else
    with pytest.raises(TextioProError, match=rf"{mobile(4)}: created again by someone else"):
        run([{"PHONE": mobile(4), "FIRST_NAME": "Dee"}])
    assert server.reads == 2
    emitted.assert_not_called()


def test_contacts_created_meanwhile_fail_the_sync_when_the_group_cannot_be_read_again(server, emitted):
    server.meanwhile = lambda group: group.add("s4", mobile(4))
    list_contacts = FakeHook.list_contacts

    def second_read_fails(hook, group_uid):
        if server.reads:
            raise TextioProServerFaultError("SQLSTATE[42S22]: Column not found")
        return list_contacts(hook, group_uid)

    with (
        mock.patch.object(FakeHook, "list_contacts", second_read_fails),
        pytest.raises(TextioProError, match=rf"create {mobile(4)}: created by someone else, not compared"),
    ):
        run([{"PHONE": mobile(4), "FIRST_NAME": "Dee"}, {"PHONE": mobile(5)}])
    assert server.by_phone(mobile(5)) is not None
    emitted.assert_not_called()


def test_batches_share_duplicate_detection(server, emitted):
    with mock.patch(f"{MODULE}.RECORDS_BATCH_SIZE", 2):
        result = run(
            [{"PHONE": mobile(5)}, {"PHONE": mobile(6)}, {"PHONE": "+" + mobile(5)}], max_invalid_ratio=0.5
        )
    assert result["created"] == 2
    assert result["invalid_rows"] == [
        {"row": 2, "reason": f"duplicate PHONE {mobile(5)}: row 0 has the same number"}
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"full_sync": "purge"}, "full_sync"),
        ({"max_invalid_ratio": 1.5}, "max_invalid_ratio"),
        ({"max_workers": 0}, "max_workers"),
    ],
)
def test_options_are_validated_at_init(kwargs, match):
    with pytest.raises(TextioProInputError, match=match):
        TextioProUpsertContactsOperator(task_id="x", group_uid=GROUP, records=[], **kwargs)


def test_empty_group_uid(server):
    with pytest.raises(TextioProInputError, match="group_uid"):
        run(RECORDS, group_uid=" ")


def test_templated_fields_and_outlets():
    task = TextioProUpsertContactsOperator(task_id="x", group_uid=GROUP, records=[])
    assert {"records", "group_uid"} <= set(task.template_fields)
    assert any(getattr(o, "name", None) == "textiopro-groups" for o in task.outlets)


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_dry_run_counts_the_writes_and_makes_none(server, emitted, dry_run):
    result = run(RECORDS, dry_run=dry_run, full_sync="delete")
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 1)
    assert result.get("dry_run", False) is dry_run
    assert (server.writes == []) is dry_run
    assert emitted.called is not dry_run
