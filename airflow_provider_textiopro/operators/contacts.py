"""Create contact groups and keep their contacts in step with input records."""

from __future__ import annotations

import json
from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.assets import default_outlets, emit_asset_event, group_asset
from airflow_provider_textiopro.exceptions import TextioProAuthError, TextioProError, TextioProInputError
from airflow_provider_textiopro.hooks import TextioProHookMixin
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_CONN_ID
from airflow_provider_textiopro.utils.batching import batched
from airflow_provider_textiopro.utils.contact_sync import ContactSync, FullSync, validate_full_sync
from airflow_provider_textiopro.utils.contact_writer import ContactWriter
from airflow_provider_textiopro.utils.validation import check_number
from airflow_provider_textiopro.version_compat import BaseOperator

if TYPE_CHECKING:
    from airflow_provider_textiopro.version_compat import Context

IF_EXISTS_MODES = ("reuse", "fail")
RECORDS_BATCH_SIZE = 1000
MAX_REPORTED_INVALID_ROWS = 100


class TextioProCreateGroupOperator(TextioProHookMixin, BaseOperator):
    """Create a contact group, or reuse the one with the same name: safe to re-run.

    Returns the group uid.

    :param name: the group name, unique per account (templated).
    :param if_exists: ``"reuse"`` (default) returns the existing group's uid;
        ``"fail"`` fails, naming the existing group's uid.
    :param textiopro_conn_id: the TextioPro connection.
    """

    template_fields: Sequence[str] = ("name",)

    def __init__(
        self,
        *,
        name: str,
        if_exists: str = "reuse",
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if if_exists not in IF_EXISTS_MODES:
            raise TextioProInputError(f"if_exists must be 'reuse' or 'fail', not {if_exists!r}.")
        self.name = name
        self.if_exists = if_exists
        self.textiopro_conn_id = textiopro_conn_id

    def execute(self, context: Context) -> str:
        """Return the uid of the group named ``name``, creating it when there is none."""
        name = str(self.name or "").strip()
        if not name:
            raise TextioProInputError("The group name is empty: give the name of the group to create.")
        hook = self.hook
        existing = hook.find_group_by_name(name)
        if existing is None:
            try:
                group = hook.create_group(name)
            except TextioProAuthError:
                raise
            except TextioProError:
                existing = hook.find_group_by_name(name)
                if existing is None:
                    raise
                self.log.info("Group %r was created meanwhile by someone else.", name)
            else:
                self.log.info("Created group %r: %s.", name, group.uid)
                return group.uid
        if self.if_exists == "fail":
            raise TextioProInputError(
                f"Group {name!r} already exists (uid {existing.uid}): use if_exists='reuse' to use it, "
                "or choose another name."
            )
        self.log.info("Group %r already exists: reusing %s.", name, existing.uid)
        return existing.uid


class BaseTextioProContactSyncOperator(TextioProHookMixin, BaseOperator):
    """Upsert batches of records into a contact group; subclasses say where the records come from.

    The group's contacts are read once (all pages). Then only new contacts are
    created and only changed ones updated (see :mod:`airflow_provider_textiopro.utils.contact_sync`
    for the rules): a second run with the same input writes nothing. Failed
    writes do not stop the others (except an auth error); the task fails at the
    end with a summary. Invalid rows are reported; the task fails when their
    share of all rows exceeds ``max_invalid_ratio`` (the valid rows are written
    anyway, the removals are not made). On success an asset event is recorded
    for ``textiopro://group/<uid>`` (through the ``textiopro-groups`` alias
    outlet) with the counts as its extra.

    The sync converges whatever changes the group meanwhile, e.g. another run syncing
    it at the same time: a contact someone else created is compared after reading the
    group once more (all pages, only when that happened) and updated only when it
    differs; a contact someone else deleted is created again when the input has it,
    and counts as removed already when ``full_sync`` would remove it.

    Returns ``{"group_uid", "rows", "created", "updated", "unchanged", "removed",
    "invalid", "created_meanwhile", "deleted_meanwhile", "invalid_rows"}``: the writes
    this run made, the rows that needed none, the contacts found created or deleted by
    someone else meanwhile, and in ``invalid_rows`` the first 100 ``{"row", "reason"}``
    (rows numbered from 0 in input order).

    :param group_uid: the contact group (templated).
    :param full_sync: None (default) leaves contacts missing from the input alone;
        ``"unsubscribe"`` unsubscribes them; ``"delete"`` deletes them. Refused when
        the input has no valid row, so an empty input never empties a group.
    :param max_invalid_ratio: the share of invalid rows (no or bad ``PHONE``, or a
        ``PHONE`` already given by an earlier row) that fails the task when
        exceeded, 0 to 1 (default 0.1).
    :param max_workers: how many writes run at once (default 4).
    :param dry_run: read the group and compute the diff, write nothing; the counts are the
        writes it would make, with ``dry_run: true``. The connection's extra ``dry_run`` forces it.
    :param textiopro_conn_id: the TextioPro connection; its ``default_region``
        reads national numbers.
    """

    template_fields: Sequence[str] = ("group_uid",)

    def __init__(
        self,
        *,
        group_uid: str,
        full_sync: FullSync | None = None,
        max_invalid_ratio: float = 0.1,
        max_workers: int = 4,
        dry_run: bool = False,
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        kwargs["outlets"] = default_outlets("group", kwargs.get("outlets"))
        super().__init__(**kwargs)
        check_number("max_invalid_ratio", max_invalid_ratio, minimum=0, maximum=1)
        check_number("max_workers", max_workers, minimum=1, whole=True)
        self.group_uid = group_uid
        self.full_sync = validate_full_sync(full_sync)
        self.max_invalid_ratio = max_invalid_ratio
        self.max_workers = max_workers
        self.textiopro_dry_run = dry_run  # not self.dry_run: BaseOperator.dry_run() is a method
        self.textiopro_conn_id = textiopro_conn_id

    @abstractmethod
    def iter_batches(self, context: Context) -> Iterator[Iterable[Mapping[str, Any]]]:
        """Return an iterator of the input records, batch by batch.

        It is asked for before the group is read: input it can check without reading it all
        is refused there, before any request.
        """

    def execute(self, context: Context) -> dict[str, Any]:
        """Sync the group with the records of :meth:`iter_batches` and return the counts."""
        from airflow_provider_textiopro.utils.phone import normalize_phone

        group_uid = str(self.group_uid or "").strip()
        if not group_uid:
            raise TextioProInputError("group_uid is empty: give the uid of the contact group to sync.")
        batches = self.iter_batches(context)
        existing = list(self.hook.list_contacts(group_uid))
        self.log.info("Group %s has %s contacts.", group_uid, len(existing))
        sync = ContactSync(
            existing,
            normalize=partial(normalize_phone, default_region=self.hook.default_region),
            full_sync=self.full_sync,
        )
        unchanged = 0
        invalid_rows: list[dict[str, Any]] = []
        dry_run = self.textiopro_dry_run or self.hook.dry_run is True
        planned: Counter[str] = Counter()  # the writes a dry run leaves out
        with ContactWriter(self.new_hook, group_uid, self.max_workers, self.log) as writer:
            for records in batches:
                plan = sync.plan_batch(records)
                unchanged += plan.unchanged
                for invalid in plan.invalid[: MAX_REPORTED_INVALID_ROWS - len(invalid_rows)]:
                    invalid_rows.append(invalid.to_dict())
                    self.log.warning("Row %s skipped: %s", invalid.row, invalid.reason)
                if dry_run:
                    planned.update(write.action for write in plan.writes)
                else:
                    writer.run(plan.writes)
                self.log.info(
                    "%s rows read: %s writes done, %s unchanged, %s invalid.",
                    sync.rows,
                    writer.total,
                    unchanged,
                    sync.rows - sync.valid_rows,
                )
            if writer.taken:
                unchanged += self._write_taken(sync, writer, group_uid)
            problems = self._check_input(sync)
            if not problems and dry_run:
                planned.update(write.action for write in sync.plan_removals())
            elif not problems:
                writer.run(sync.plan_removals())
        done = planned if dry_run else writer.done
        counts = {
            "group_uid": group_uid,
            "rows": sync.rows,
            "created": done["create"],
            "updated": done["update"],
            "unchanged": unchanged,
            "removed": done["unsubscribe"] + done["delete"],
            "invalid": sync.rows - sync.valid_rows,
            "created_meanwhile": writer.meanwhile["created"],
            "deleted_meanwhile": writer.meanwhile["deleted"],
        }
        self.log.info("Sync of group %s: %s", group_uid, counts)
        problems += [f"{w.action} {w.phone}: {reason}" for w, reason in writer.errors[:20]]
        problems += [
            f"{w.phone}: created again by someone else after the group was read again; run the sync again"
            for w in writer.taken[:20]
        ]
        if problems:
            failed = f"; {len(writer.errors)} writes failed" if writer.errors else ""
            details = " | ".join(problems)
            raise TextioProError(f"Sync of group {group_uid} incomplete ({counts}{failed}): {details}")
        if dry_run:
            self.log.warning(
                "DRY RUN: nothing was written to group %s; the counts are the writes planned.", group_uid
            )
            return {**counts, "invalid_rows": invalid_rows, "dry_run": True}
        emit_asset_event(context, group_asset(group_uid), counts)
        return {**counts, "invalid_rows": invalid_rows}

    def _write_taken(self, sync: ContactSync, writer: ContactWriter, group_uid: str) -> int:
        """Read the group again and write the contacts someone else created meanwhile as asked.

        Return how many of them needed no write. When the group cannot be read again, they
        count as failed writes (an auth error is raised).
        """
        taken = writer.pop_taken()
        self.log.info(
            "%s contacts were created meanwhile by someone else: reading group %s again to compare them.",
            len(taken),
            group_uid,
        )
        try:
            plan = sync.plan_taken(taken, self.hook.list_contacts(group_uid))
        except TextioProAuthError:
            raise
        except TextioProError as error:
            reason = f"created by someone else, not compared: reading the group again failed: {error}"
            writer.errors += [(write, reason) for write in taken]
            return 0
        writer.run(plan.writes)
        return plan.unchanged

    def _check_input(self, sync: ContactSync) -> list[str]:
        """Return why the input is not good enough for removals (empty when it is)."""
        invalid = sync.rows - sync.valid_rows
        if sync.rows and invalid / sync.rows > self.max_invalid_ratio:
            removal = "; no contact was removed" if self.full_sync else ""
            return [
                f"{invalid} of {sync.rows} rows are invalid, more than max_invalid_ratio="
                f"{self.max_invalid_ratio}{removal} (the task log names each row and why)"
            ]
        if self.full_sync and not sync.valid_rows and sync.existing_count:
            return [
                f"full_sync={self.full_sync!r} with no valid input row would remove all "
                f"{sync.existing_count} contacts: refused (delete the group to empty it)"
            ]
        return []


class TextioProUpsertContactsOperator(BaseTextioProContactSyncOperator):
    """Upsert records into a contact group, keyed by normalised ``PHONE``.

    Record keys are field tags (``PHONE``, ``FIRST_NAME``, ``LAST_NAME``, custom
    tags; case does not matter). Everything else is as in
    :class:`BaseTextioProContactSyncOperator`.

    :param records: a list of dicts (e.g. another task's XCom), any iterable of
        dicts, or a JSON array as a string (templated).
    """

    template_fields: Sequence[str] = (*BaseTextioProContactSyncOperator.template_fields, "records")

    def __init__(self, *, records: Iterable[Mapping[str, Any]] | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records = records

    def iter_batches(self, context: Context) -> Iterator[Iterable[Mapping[str, Any]]]:
        """Return the records in batches of 1000, or refuse records of the wrong shape."""
        records = self.records
        if isinstance(records, str):
            try:
                records = json.loads(records)
            except ValueError as err:
                raise TextioProInputError(f"records is a string but not a JSON array: {err}.") from None
        if records is None or isinstance(records, Mapping):
            raise TextioProInputError(
                f"records must be a list (or iterable) of dicts, not {type(records).__name__}."
            )
        return batched(records, RECORDS_BATCH_SIZE)


__all__ = [
    "BaseTextioProContactSyncOperator",
    "TextioProCreateGroupOperator",
    "TextioProUpsertContactsOperator",
]
