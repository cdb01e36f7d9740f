from __future__ import annotations

from unittest import mock

import pytest

from airflow_provider_textiopro.exceptions import TextioProAuthError, TextioProError, TextioProInputError
from airflow_provider_textiopro.models import Group
from airflow_provider_textiopro.operators.contacts import TextioProCreateGroupOperator

EXISTING = Group(uid="6065ecdc9184a", name="VIP")
NEW = Group(uid="6415907d0d37a", name="VIP")


@pytest.fixture
def hook():
    with mock.patch("airflow_provider_textiopro.hooks.textiopro.TextioProHook", autospec=True) as cls:
        instance = cls.return_value
        instance.find_group_by_name.return_value = None
        instance.create_group.return_value = NEW
        yield instance


def op(**kwargs):
    return TextioProCreateGroupOperator(task_id="group", **{"name": "VIP", **kwargs})


def test_creates_when_missing(hook):
    assert op(name="  VIP ").execute({}) == NEW.uid
    hook.find_group_by_name.assert_called_once_with("VIP")
    hook.create_group.assert_called_once_with("VIP")


def test_reuse_is_the_default(hook):
    hook.find_group_by_name.return_value = EXISTING
    assert op().execute({}) == EXISTING.uid
    hook.create_group.assert_not_called()


def test_fail_names_the_existing_uid(hook):
    hook.find_group_by_name.return_value = EXISTING
    with pytest.raises(TextioProInputError, match=f"already exists \\(uid {EXISTING.uid}\\)"):
        op(if_exists="fail").execute({})
    hook.create_group.assert_not_called()


def test_fail_creates_when_missing(hook):
    assert op(if_exists="fail").execute({}) == NEW.uid


def test_created_meanwhile_is_reused(hook):
    hook.find_group_by_name.side_effect = [None, EXISTING]
    hook.create_group.side_effect = TextioProError("The name has already been taken.")
    assert op().execute({}) == EXISTING.uid


def test_create_error_when_the_group_still_does_not_exist(hook):
    hook.create_group.side_effect = TextioProError("boom")
    with pytest.raises(TextioProError, match="boom"):
        op().execute({})


def test_auth_error_is_not_masked(hook):
    hook.create_group.side_effect = TextioProAuthError("Unauthenticated.")
    with pytest.raises(TextioProAuthError):
        op().execute({})
    assert hook.find_group_by_name.call_count == 1


def test_if_exists_is_validated_at_init():
    with pytest.raises(TextioProInputError, match="if_exists"):
        op(if_exists="replace")


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_name(hook, name):
    with pytest.raises(TextioProInputError, match="name is empty"):
        op(name=name).execute({})
    hook.find_group_by_name.assert_not_called()


def test_name_is_templated():
    assert "name" in TextioProCreateGroupOperator.template_fields
