"""Assets (Datasets on Airflow 2.11) for TextioPro contact groups and campaigns.

A group or campaign uid is usually only known when the task runs, so the provider's
operators declare an asset alias in their ``outlets`` (:func:`default_outlets`) and
attach the concrete asset to it at run time (:func:`emit_asset_event`). Airflow then
records an ordinary asset event for ``textiopro://group/<uid>`` (or
``textiopro://campaign/<uid>``), and any DAG scheduled on that asset runs.

Schedule a DAG on one synced group (the usual case)::

    from airflow_provider_textiopro.assets import group_asset

    with DAG("after_vip_sync", schedule=[group_asset("6065ecdc9184a")], ...):
        ...

or on every group any TextioPro task syncs (Airflow resolves the alias to the groups
it has seen so far)::

    from airflow_provider_textiopro.assets import GROUPS_ALIAS
    from airflow_provider_textiopro.version_compat import AssetAlias

    with DAG("after_any_sync", schedule=[AssetAlias(GROUPS_ALIAS)], ...):
        ...

The event's ``extra`` carries what the operator reports (for example the counts of
created and updated contacts). It is kept flat, on every Airflow version: a nested
mapping becomes dotted keys (``{"stats": {"delivered": 3}}`` is recorded as
``{"stats.delivered": 3}``) and a list, tuple or set becomes its JSON text, because
Airflow 2.11 fails the task at its end when an alias event's extra holds an unhashable
value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS, Asset, AssetAlias

if TYPE_CHECKING:
    from airflow_provider_textiopro.version_compat import Context

__all__ = ["CAMPAIGNS_ALIAS", "GROUPS_ALIAS", "campaign_asset", "group_asset"]

log = logging.getLogger(__name__)

AssetKind = Literal["group", "campaign"]

SCHEME = "textiopro"
GROUPS_ALIAS = "textiopro-groups"
CAMPAIGNS_ALIAS = "textiopro-campaigns"
_ALIASES: dict[str, str] = {"group": GROUPS_ALIAS, "campaign": CAMPAIGNS_ALIAS}


def _asset(kind: AssetKind, uid: str) -> Asset:
    """Return the asset ``textiopro://<kind>/<uid>``."""
    text = str(uid or "").strip()
    if not text or "/" in text:
        raise TextioProInputError(f"A TextioPro {kind} uid is required to name its asset, got {uid!r}.")
    return Asset(f"{SCHEME}://{kind}/{text}")


def group_asset(uid: str) -> Asset:
    """Return the asset of a contact group: ``textiopro://group/<uid>``.

    :param uid: the group's uid.
    """
    return _asset("group", uid)


def campaign_asset(uid: str) -> Asset:
    """Return the asset of a campaign: ``textiopro://campaign/<uid>``.

    :param uid: the campaign's uid.
    """
    return _asset("campaign", uid)


def asset_alias(kind: AssetKind) -> AssetAlias:
    """Return the alias the provider's operators attach their ``kind`` assets to.

    :param kind: ``"group"`` or ``"campaign"``.
    """
    try:
        return AssetAlias(_ALIASES[kind])
    except KeyError:
        raise TextioProInputError(
            f"Unknown TextioPro asset kind {kind!r}: use 'group' or 'campaign'."
        ) from None


def default_outlets(kind: AssetKind, outlets: Iterable[Any] | Any | None = None) -> list[Any]:
    """Return ``outlets`` (a list, a single item or None) with the ``kind`` alias added once.

    Operators pass the result to ``BaseOperator.__init__(outlets=...)`` so that
    :func:`emit_asset_event` can record events for uids known only at run time.

    :param kind: ``"group"`` or ``"campaign"``.
    :param outlets: the outlets the user gave, kept first and in order.
    """
    if outlets is None:
        result = []
    elif isinstance(outlets, (list, tuple, set)):
        result = list(outlets)
    else:
        result = [outlets]
    alias = asset_alias(kind)
    if not any(_is_alias(item, alias.name) for item in result):
        result.append(alias)
    return result


def _is_alias(item: Any, name: str) -> bool:
    return isinstance(item, AssetAlias) and item.name == name


def _is_asset(item: Any, uri: str) -> bool:
    return isinstance(item, Asset) and item.uri == uri


def _kind_of(asset: Asset) -> str | None:
    prefix, _, rest = asset.uri.partition("://")
    if prefix != SCHEME:
        return None
    return rest.partition("/")[0]


def _flat_extra(extra: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Return ``extra`` with nested mappings as dotted keys and lists, tuples and sets as JSON text.

    :param extra: the details of an asset event.
    :param prefix: prepended to every key (the dotted path of a nested mapping).
    """
    flat: dict[str, Any] = {}
    for key, value in extra.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flat_extra(value, f"{name}."))
        elif isinstance(value, (set, frozenset)):
            flat[name] = json.dumps(sorted(value, key=str), default=str)
        elif isinstance(value, (list, tuple)):
            flat[name] = json.dumps(value, default=str)
        else:
            flat[name] = value
    return flat


def emit_asset_event(context: Context, asset: Asset, extra: Mapping[str, Any] | None = None) -> bool:
    """Record an asset event for ``asset`` when the running task finishes successfully.

    When the task declares ``asset`` itself in its outlets, Airflow emits that event anyway
    and ``extra`` is attached to it. Otherwise the asset is attached to the task's
    ``textiopro-groups`` / ``textiopro-campaigns`` alias outlet (see :func:`default_outlets`).
    Without either outlet nothing can be recorded: a warning says what to declare.

    :param context: the task's context.
    :param asset: the asset, from :func:`group_asset` or :func:`campaign_asset`.
    :param extra: JSON-able details stored with the event, flattened (see the module docstring).
    :return: True when an event will be recorded.
    """
    extra = _flat_extra(extra or {})
    outlets = list(getattr(context["task"], "outlets", None) or [])
    outlet_events = context["outlet_events"]
    if any(_is_asset(item, asset.uri) for item in outlets):
        if not _registered_on_airflow_2("dataset", asset.uri):
            return False
        outlet_events[asset].extra.update(extra)
        return True
    kind = _kind_of(asset)
    alias_name = _ALIASES.get(kind or "")
    if alias_name and any(_is_alias(item, alias_name) for item in outlets):
        if not _registered_on_airflow_2("alias", alias_name):
            return False
        outlet_events[AssetAlias(alias_name)].add(asset, extra=extra)
        return True
    hint = f"AssetAlias({alias_name!r})" if alias_name else "the asset"
    log.warning(
        "No asset event recorded for %s: the task does not declare it or %s in its outlets.",
        asset.uri,
        hint,
    )
    return False


def _registered_on_airflow_2(kind: Literal["dataset", "alias"], name: str) -> bool:
    """Make sure Airflow 2.11's database holds the dataset or alias ``name``; return False when it cannot.

    Airflow 2.11 stores an alias event against the alias's row (a task whose alias has none fails
    after its work is done), and drops an event of a dataset without a row. The DAG processor writes
    both rows when it parses a DAG naming them; a task run before any parse (``airflow dags test``,
    ``dag.test()`` on a fresh database) writes them here, in a session of its own, as the DAG
    processor would. Airflow 3 needs nothing.

    :param kind: ``"dataset"`` (``name`` is its URI) or ``"alias"``.
    :param name: the dataset's URI or the alias's name.
    """
    if AIRFLOW_V_3_0_PLUS:
        return True
    from airflow.models.dataset import DatasetAliasModel, DatasetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    if kind == "dataset":
        column, row = DatasetModel.uri, DatasetModel(uri=name)
    else:
        column, row = DatasetAliasModel.name, DatasetAliasModel(name=name)
    try:
        with create_session() as session:
            if session.scalar(select(column).where(column == name).limit(1)) is None:
                session.add(row)
    except IntegrityError:
        pass  # another task registered it meanwhile
    except Exception as error:  # the event is bookkeeping: it never fails a task whose work is done
        log.warning(
            "No asset event recorded for %s %r: Airflow's database could not register it (%s: %s). "
            "Run `airflow dags reserialize` (or let the scheduler parse a DAG that names it) so that "
            "Airflow registers it, and the next runs record their events.",
            kind,
            name,
            type(error).__name__,
            error,
        )
        return False
    return True
