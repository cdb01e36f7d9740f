"""Print what the demo's DAG runs did: messages sent and delivered, campaigns, contact syncs.

Usage: python scripts/demo_summary.py [--since EPOCH_SECONDS] DAG_ID [DAG_ID ...]

Runs in the demo's environment (its ``AIRFLOW_HOME``, and ``textiopro_default`` pointing at the
sandbox). For each DAG id it reads the XComs of the latest run started after ``--since``:

* send results (``TextioProSendMessageOperator``): how many recipients, and their messages'
  status now, read from the sandbox;
* campaign uids (the ``textiopro_campaign_uid`` key): the campaign's status and counts now;
* contact sync counts (``TextioProUpsertContactsOperator``, ``SqlToTextioProContactsOperator``):
  created, updated, unchanged, removed and invalid rows;

then the sandbox account's totals: every message by status, and the balance left.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import attrgetter
from typing import Any

from airflow_provider_textiopro.exceptions import TextioProError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.campaigns import CAMPAIGN_UID_XCOM_KEY

DAG_PREFIX = "example_textiopro_"
SYNC_COUNTS = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class TaskXCom:
    """One XCom of a demo run."""

    dag_id: str
    task_id: str
    key: str
    value: Any

    @property
    def label(self) -> str:
        """``dag.task``, without the examples' common prefix."""
        return f"{self.dag_id.removeprefix(DAG_PREFIX)}.{self.task_id}"


def read_xcoms(dag_ids: Sequence[str], since: datetime | None) -> Iterator[TaskXCom]:
    """Yield the XComs of the latest run of each DAG (started at or after ``since``), in DAG order."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    try:
        from airflow.models.xcom import XComModel

        value_of: Callable[[Any], Any] = XComModel.deserialize_value
    except ImportError:  # Airflow 2: loading the row deserializes its value
        from airflow.models.xcom import XCom as XComModel

        value_of = attrgetter("value")

    with create_session() as session:
        for dag_id in dag_ids:
            runs = select(DagRun).where(DagRun.dag_id == dag_id)
            if since is not None:
                runs = runs.where(DagRun.start_date >= since)
            run = session.scalars(runs.order_by(DagRun.id.desc()).limit(1)).first()
            if run is None:
                continue
            rows = session.scalars(
                select(XComModel)
                .where(XComModel.dag_id == dag_id, XComModel.run_id == run.run_id)
                .order_by(XComModel.timestamp)
            )
            for row in rows:
                yield TaskXCom(dag_id, row.task_id, row.key, value_of(row))


def _counts(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counter.items() if count) or "none"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _checked(describe: Callable[..., str], *args: Any) -> str:
    """Return ``describe(*args)``, or why the sandbox could not answer."""
    try:
        return describe(*args)
    except TextioProError as error:
        return f"(could not read it from the sandbox: {error})"


def _message_statuses(hook: TextioProHook, uids: list[str]) -> str:
    return _counts(Counter(hook.get_message(uid).status.value.lower() for uid in uids))


def _campaign_state(hook: TextioProHook, uid: str) -> str:
    campaign = hook.get_campaign(uid)
    stats = campaign.stats
    return f"{campaign.status.value}, {_plural(stats.total, 'message')}: {_counts(stats.to_dict())}"


def _group_name(hook: TextioProHook, uid: str) -> str:
    return repr(hook.get_group(uid).name)


def _message_totals(hook: TextioProHook) -> str:
    statuses = Counter(message.status.value.lower() for message in hook.list_messages())
    if not statuses:
        return "none"
    return f"{_plural(sum(statuses.values()), 'message')}: {_counts(dict(statuses.most_common()))}"


def _balance(hook: TextioProHook) -> str:
    return hook.get_balance().remaining


def _is_send_result(xcom: TaskXCom) -> bool:
    return isinstance(xcom.value, Mapping) and {"uids", "accepted", "outcomes"} <= xcom.value.keys()


def _is_sync_result(xcom: TaskXCom) -> bool:
    return isinstance(xcom.value, Mapping) and {"group_uid", *SYNC_COUNTS} <= xcom.value.keys()


def messages_rows(hook: TextioProHook, xcoms: Iterable[TaskXCom]) -> list[list[str]]:
    """One row per send: recipients, refused, and the messages' status now."""
    rows = []
    for xcom in filter(_is_send_result, xcoms):
        result = xcom.value
        refused = f", {result['refused']} refused" if result["refused"] else ""
        sent = f"{_plural(result['accepted'], 'recipient')}{refused}"
        rows.append([xcom.label, sent, _checked(_message_statuses, hook, result["uids"])])
    return rows


def campaign_rows(hook: TextioProHook, xcoms: Iterable[TaskXCom]) -> list[list[str]]:
    """One row per campaign: its uid, status and message counts now."""
    return [
        [xcom.label, str(xcom.value), _checked(_campaign_state, hook, str(xcom.value))]
        for xcom in xcoms
        if xcom.key == CAMPAIGN_UID_XCOM_KEY
    ]


def sync_rows(hook: TextioProHook, xcoms: Iterable[TaskXCom]) -> list[list[str]]:
    """One row per contact sync: the group and its counts."""
    rows = []
    for xcom in filter(_is_sync_result, xcoms):
        counts = xcom.value
        shown = [f"{counts[name]} {name}" for name in SYNC_COUNTS]
        shown += [f"{counts[name]} {name}" for name in ("removed", "invalid") if counts.get(name)]
        rows.append([xcom.label, _checked(_group_name, hook, counts["group_uid"]), ", ".join(shown)])
    return rows


def sandbox_rows(hook: TextioProHook) -> list[list[str]]:
    """The account's totals: messages by status, and the balance left."""
    return [["messages", _checked(_message_totals, hook)], ["balance left", _checked(_balance, hook)]]


def print_section(title: str, rows: list[list[str]]) -> None:
    """Print a title and its rows as aligned columns."""
    print(f"\n{title}")
    if not rows:
        print("  (none)")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]
        print("  " + "  ".join(cells))


def main(argv: Sequence[str] | None = None) -> None:
    """Print the summary of the DAG runs given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=float, help="ignore runs started before this epoch time")
    parser.add_argument("dag_ids", nargs="+", metavar="DAG_ID")
    args = parser.parse_args(argv)
    since = None if args.since is None else datetime.fromtimestamp(args.since, tz=timezone.utc)
    # Keep Airflow's and the hook's INFO lines ("Retrieving connection ...") out of the summary.
    logging.disable(logging.INFO)

    xcoms = list(read_xcoms(args.dag_ids, since))
    hook = TextioProHook()
    print_section("Messages sent (delivery status now)", messages_rows(hook, xcoms))
    print_section("Campaigns (status and message counts now)", campaign_rows(hook, xcoms))
    print_section("Contacts synced", sync_rows(hook, xcoms))
    print_section("Sandbox account (every message, alerts and campaigns)", sandbox_rows(hook))


if __name__ == "__main__":
    main()
