"""Sync a SQL query's rows (any common-sql connection) into a TextioPro contact group."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.operators.contacts import BaseTextioProContactSyncOperator
from airflow_provider_textiopro.utils.validation import check_number
from airflow_provider_textiopro.version_compat import AirflowOptionalProviderFeatureException, BaseHook

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    from airflow_provider_textiopro.version_compat import Context


def _db_api_hook_class() -> type[DbApiHook]:
    try:
        from airflow.providers.common.sql.hooks.sql import DbApiHook
    except ImportError:
        raise AirflowOptionalProviderFeatureException(
            "SqlToTextioProContactsOperator needs apache-airflow-providers-common-sql: "
            "pip install 'airflow-provider-textiopro[sql]'"
        ) from None
    return DbApiHook


class SqlToTextioProContactsOperator(BaseTextioProContactSyncOperator):
    """Upsert the rows of a SQL query or table into a contact group, chunk by chunk.

    Rows are fetched ``chunk_size`` at a time (``cursor.fetchmany``) and upserted
    before the next chunk is read, so the table is never held in memory (some
    drivers, e.g. psycopg2's default cursor, buffer the whole result on their
    side all the same). Contacts missing from the rows are removed
    (``full_sync``) only after the last chunk. Upsert rules, options and the
    returned counts are those of
    :class:`~airflow_provider_textiopro.operators.contacts.TextioProUpsertContactsOperator`.

    Needs the ``[sql]`` extra (``apache-airflow-providers-common-sql``) and the
    provider of the database's connection type.

    :param conn_id: an Airflow connection whose hook is a common-sql ``DbApiHook``
        (Postgres, MySQL, Snowflake, SQLite ...).
    :param sql: the query (templated; may be a ``.sql`` file). Give ``sql`` or ``table``.
    :param table: a table (or view) to read all columns of (templated).
    :param where: a condition for ``table``, without ``WHERE`` (templated).
    :param parameters: query parameters for ``sql`` (templated).
    :param column_mapping: ``{column: TAG}``; only mapped columns (and
        ``phone_column``) are synced. Default: every column, its name upper-cased.
        Column names match case-insensitively.
    :param phone_column: the column holding the phone number (default ``phone``),
        synced as ``PHONE`` (unless ``column_mapping`` maps a column to ``PHONE``).
    :param chunk_size: rows fetched and upserted at a time (default 1000).
    :param group_uid: the contact group (templated).
    """

    template_fields: Sequence[str] = (
        *BaseTextioProContactSyncOperator.template_fields,
        "sql",
        "table",
        "where",
        "parameters",
    )
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql", "parameters": "json"}

    def __init__(
        self,
        *,
        conn_id: str,
        sql: str | None = None,
        table: str | None = None,
        where: str | None = None,
        parameters: Mapping[str, Any] | Iterable[Any] | None = None,
        column_mapping: Mapping[str, str] | None = None,
        phone_column: str = "phone",
        chunk_size: int = 1000,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (sql is None) == (table is None):
            raise TextioProInputError("Give either sql or table (not both, not neither).")
        if where and table is None:
            raise TextioProInputError("where only applies to table; put the condition in sql.")
        check_number("chunk_size", chunk_size, minimum=1, whole=True)
        if not isinstance(phone_column, str) or not phone_column.strip():
            raise TextioProInputError(f"phone_column must be a column name, not {phone_column!r}.")
        if column_mapping is not None and (
            not isinstance(column_mapping, Mapping)
            or not all(
                isinstance(name, str) and name.strip() and isinstance(tag, str) and tag.strip()
                for name, tag in column_mapping.items()
            )
        ):
            raise TextioProInputError(
                "column_mapping must map column names to field tags, such as "
                f"{{'first_name': 'FIRST_NAME'}}, not {column_mapping!r}."
            )
        self.conn_id = conn_id
        self.sql = sql
        self.table = table
        self.where = where
        self.parameters = parameters
        self.column_mapping = dict(column_mapping) if column_mapping else None
        self.phone_column = phone_column
        self.chunk_size = chunk_size

    def get_db_hook(self) -> DbApiHook:
        """Return the common-sql hook of ``conn_id``."""
        db_api_hook = _db_api_hook_class()
        hook = BaseHook.get_connection(self.conn_id).get_hook()
        if not isinstance(hook, db_api_hook):
            raise TextioProInputError(
                f"Connection {self.conn_id!r} gives a {type(hook).__name__}, not a SQL hook "
                "(common-sql DbApiHook): use a database connection."
            )
        return hook

    def _query(self) -> str:
        if self.sql is not None:
            return self.sql
        where = f" WHERE {self.where}" if self.where else ""
        return f"SELECT * FROM {self.table}{where}"

    def _tags(self, columns: Sequence[str]) -> list[tuple[int, str]]:
        """Return ``(column index, tag)`` pairs for the result's columns."""
        index = {name.lower(): i for i, name in enumerate(columns)}
        given = self.column_mapping or {name: name for name in columns}
        mapping = {column.lower(): str(tag).strip().upper() for column, tag in given.items()}
        if not self.column_mapping or "PHONE" not in mapping.values():
            mapping[self.phone_column.lower()] = "PHONE"
        missing = [column for column in mapping if column not in index]
        if missing:
            raise TextioProInputError(
                f"Column(s) {', '.join(missing)} not in the query result, which has: "
                f"{', '.join(columns)}. Fix phone_column / column_mapping or the query."
            )
        doubles = sorted({tag for tag in mapping.values() if list(mapping.values()).count(tag) > 1})
        if doubles:
            raise TextioProInputError(
                f"Several columns map to {', '.join(doubles)}: give a column_mapping with one column a tag."
            )
        return [(index[column], tag) for column, tag in mapping.items()]

    def iter_batches(self, context: Context) -> Iterator[Iterable[Mapping[str, Any]]]:
        """Yield the rows as records of tags, ``chunk_size`` rows at a time."""
        hook = self.get_db_hook()
        query = self._query()
        self.log.info("Reading contacts from %s with: %s", self.conn_id, query)
        with closing(hook.get_conn()) as conn, closing(conn.cursor()) as cursor:
            if self.parameters:
                cursor.execute(query, self.parameters)
            else:
                cursor.execute(query)
            tags = self._tags([str(column[0]) for column in cursor.description or ()])
            while rows := cursor.fetchmany(self.chunk_size):
                yield [{tag: row[i] for i, tag in tags} for row in rows]


__all__ = ["SqlToTextioProContactsOperator"]
