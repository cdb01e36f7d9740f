"""textiopro:// assets, the alias outlets, and how an event is recorded for a run-time uid."""

from __future__ import annotations

import warnings
from types import SimpleNamespace
from unittest import mock

import pytest

from airflow_provider_textiopro.assets import (
    CAMPAIGNS_ALIAS,
    GROUPS_ALIAS,
    _registered_on_airflow_2,
    asset_alias,
    campaign_asset,
    default_outlets,
    emit_asset_event,
    group_asset,
)
from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS, Asset, AssetAlias

UID = "6065ecdc9184a"


def test_assets_use_the_textiopro_scheme_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        group, campaign = group_asset(f" {UID} "), campaign_asset(UID)

    assert group.uri == f"textiopro://group/{UID}"
    assert campaign.uri == f"textiopro://campaign/{UID}"
    assert group == Asset(f"textiopro://group/{UID}")


@pytest.mark.parametrize("uid", ["", "  ", None, "a/b"])
def test_an_asset_needs_a_uid(uid):
    with pytest.raises(TextioProInputError, match="uid is required"):
        group_asset(uid)


def test_aliases():
    assert asset_alias("group") == AssetAlias(GROUPS_ALIAS)
    assert asset_alias("campaign").name == CAMPAIGNS_ALIAS == "textiopro-campaigns"
    with pytest.raises(TextioProInputError, match="'group' or 'campaign'"):
        asset_alias("contact")


@pytest.mark.parametrize(
    ("outlets", "expected"),
    [
        (None, [AssetAlias(GROUPS_ALIAS)]),
        ([], [AssetAlias(GROUPS_ALIAS)]),
        (Asset("s3://bucket/file"), [Asset("s3://bucket/file"), AssetAlias(GROUPS_ALIAS)]),
        ([Asset("s3://b/f")], [Asset("s3://b/f"), AssetAlias(GROUPS_ALIAS)]),
        ([AssetAlias(GROUPS_ALIAS)], [AssetAlias(GROUPS_ALIAS)]),
    ],
)
def test_default_outlets_add_the_alias_once(outlets, expected):
    assert default_outlets("group", outlets) == expected


def context_with(*outlets):
    return {"task": SimpleNamespace(outlets=list(outlets)), "outlet_events": mock.MagicMock()}


def test_event_goes_through_the_alias():
    context = context_with(AssetAlias(GROUPS_ALIAS))

    assert emit_asset_event(context, group_asset(UID), {"created": 2})

    context["outlet_events"].__getitem__.assert_called_once_with(AssetAlias(GROUPS_ALIAS))
    context["outlet_events"][AssetAlias(GROUPS_ALIAS)].add.assert_called_once_with(
        group_asset(UID), extra={"created": 2}
    )


def test_a_declared_asset_only_gets_the_extra():
    context = context_with(campaign_asset(UID), AssetAlias(CAMPAIGNS_ALIAS))
    events = context["outlet_events"]

    assert emit_asset_event(context, campaign_asset(UID), {"status": "done"})

    events.__getitem__.assert_called_once_with(campaign_asset(UID))
    events[campaign_asset(UID)].extra.update.assert_called_once_with({"status": "done"})
    assert not events[campaign_asset(UID)].add.called


def test_without_an_outlet_nothing_is_recorded_and_a_warning_says_why(logged):
    context = context_with(AssetAlias(CAMPAIGNS_ALIAS))

    assert not emit_asset_event(context, group_asset(UID))

    assert not context["outlet_events"].__getitem__.called
    assert "AssetAlias('textiopro-groups')" in logged()


@pytest.mark.parametrize(
    ("extra", "recorded"),
    [
        ({"created": 2, "status": "done", "ok": True, "cost": None}, None),
        ({"stats": {"sent": 3, "failed": {"count": 1}}}, {"stats.sent": 3, "stats.failed.count": 1}),
        ({"uids": ["b", "a"], "pair": (1, 2)}, {"uids": '["b", "a"]', "pair": "[1, 2]"}),
        ({"tags": {"vip", "new"}}, {"tags": '["new", "vip"]'}),
        ({"rows": [{"row": 3, "reason": "bad"}]}, {"rows": '[{"row": 3, "reason": "bad"}]'}),
    ],
)
def test_the_extra_is_recorded_flat_and_hashable(extra, recorded):
    recorded = extra if recorded is None else recorded
    through_alias = context_with(AssetAlias(GROUPS_ALIAS))
    declared = context_with(group_asset(UID))

    emit_asset_event(through_alias, group_asset(UID), extra)
    emit_asset_event(declared, group_asset(UID), extra)

    through_alias["outlet_events"][AssetAlias(GROUPS_ALIAS)].add.assert_called_once_with(
        group_asset(UID), extra=recorded
    )
    declared["outlet_events"][group_asset(UID)].extra.update.assert_called_once_with(recorded)
    hash(frozenset(recorded.items()))


below_airflow_3 = pytest.mark.skipif(AIRFLOW_V_3_0_PLUS, reason="Airflow 3 keeps alias events without a row")


@below_airflow_3
def test_on_airflow_2_an_alias_is_registered_once_in_the_database():
    from airflow.models.dataset import DatasetAliasModel
    from airflow.utils.session import create_session

    name = "textiopro-test-alias-registration"

    def rows():
        with create_session() as session:
            return session.query(DatasetAliasModel).filter(DatasetAliasModel.name == name).count()

    try:
        assert _registered_on_airflow_2("alias", name)
        assert _registered_on_airflow_2("alias", name)
        assert rows() == 1
    finally:
        with create_session() as session:
            session.query(DatasetAliasModel).filter(DatasetAliasModel.name == name).delete()


@below_airflow_3
def test_on_airflow_2_an_alias_that_cannot_be_registered_skips_the_event_with_a_warning(logged):
    from sqlalchemy.exc import OperationalError

    context = context_with(AssetAlias(GROUPS_ALIAS))
    refused = OperationalError("INSERT", {}, Exception("database is locked"))

    with mock.patch("airflow.utils.session.create_session", side_effect=refused):
        assert not emit_asset_event(context, group_asset(UID), {"created": 2})

    assert not context["outlet_events"].__getitem__.called
    text = logged()
    assert "No asset event recorded for alias 'textiopro-groups'" in text
    assert "database is locked" in text
    assert "airflow dags reserialize" in text
