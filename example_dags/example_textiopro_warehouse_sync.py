"""Warehouse contact sync: upsert a warehouse table into a TextioPro contact group, every day.

``SqlToTextioProContactsOperator`` reads the customers who opted in to marketing from any SQL
connection that Airflow's common-sql supports (Postgres, Snowflake, BigQuery, MySQL, SQLite
...), chunk by chunk, and makes the group match them: new customers are created, changed
ones updated, the others left alone (a second run with the same rows writes nothing), and
contacts who are no longer in the query (they opted out) are unsubscribed. Rows with an
unusable phone number are reported, not fatal, up to ``max_invalid_ratio``.

When the sync succeeds it records an asset event for the group (``textiopro://group/<uid>``,
through the ``textiopro-groups`` asset alias), so DAGs scheduled on it run next: see
``example_textiopro_warehouse_campaign`` in ``example_textiopro_warehouse_sync_campaign.py``.

The "warehouse" here is a SQLite file that the DAG builds itself, so it runs with nothing to
set up but two providers, SQLite (without it: ``Unknown hook type "sqlite"``) and common-sql,
both in the provider's ``examples`` extra::

    pip install ".[examples]"   (from a checkout of the provider)

**Who gets texted.** The sync texts no one, but each sync queues a run of
``example_textiopro_warehouse_campaign``, which texts the group. So the opted-in customers'
numbers come from the Airflow Variable ``textiopro_example_customers`` (comma-separated; numbers
you own, written as warehouses write them); the two other rows (one opted out, one unusable
number) are never synced. Without the Variable, ``build_warehouse_table`` skips, saying so in
its log, the sync skips with it, and no campaign run is queued. Unpausing the DAG starts a run
at once (Airflow creates the latest daily run even with ``catchup=False``).

Try it against the local sandbox (the demo's settings are in ``scripts/demo.env``)::

    textiopro-sandbox &
    export AIRFLOW_CONN_TEXTIOPRO_DEFAULT='textiopro://:sandbox-token@127.0.0.1:8085'
    export AIRFLOW_VAR_TEXTIOPRO_EXAMPLE_CUSTOMERS='+44 7700 900300,0044 7700 900307'
    airflow dags test example_textiopro_warehouse_sync
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from pathlib import Path

import pendulum
from airflow.providers.common.compat.sdk import DAG, AirflowSkipException, Variable, task

from airflow_provider_textiopro.operators.contacts import TextioProCreateGroupOperator
from airflow_provider_textiopro.transfers.sql_to_textiopro import SqlToTextioProContactsOperator
from airflow_provider_textiopro.version_compat import BaseHook

WAREHOUSE_CONN_ID = "textiopro_example_warehouse"
WAREHOUSE_TABLE = "textiopro_example_customers"
WAREHOUSE_GROUP = "Warehouse customers"

# Only for the example: a SQLite connection to a file in the temporary directory, unless you
# defined a connection with this id yourself. With a real warehouse, define its connection in
# the UI or your secrets backend, drop these lines and the build_warehouse_table task, and point
# `sql` at your table.
os.environ.setdefault(
    f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}",
    json.dumps(
        {"conn_type": "sqlite", "host": str(Path(tempfile.gettempdir()) / "textiopro_example_warehouse.db")}
    ),
)

# The opted-in customers' numbers, comma-separated: nothing real is texted until you set it.
CUSTOMERS_VARIABLE = "textiopro_example_customers"
# (first_name, last_name, city) of the opted-in customers, given to the Variable's numbers in turn.
OPTED_IN = [
    ("Ada", "Lovelace", "London"),
    ("Alan", "Turing", "Manchester"),
    ("Grace", "Hopper", "Arlington"),
    ("Edsger", "Dijkstra", "Rotterdam"),
    ("Barbara", "Liskov", "Boston"),
    ("Donald", "Knuth", "Stanford"),
    ("Frances", "Allen", "New York"),
]
# (phone, first_name, last_name, city, marketing_opt_in) rows that are never synced: an opted-out
# customer (a fictional UK number, Ofcom's range for drama) and an unusable number.
NEVER_SYNCED = [
    ("+44 7700 900326", "Margaret", "Hamilton", "Boston", 0),
    ("unknown", "Ken", "Thompson", "Berkeley", 1),
]

with DAG(
    dag_id="example_textiopro_warehouse_sync",
    description="Daily sync of the warehouse's opted-in customers into a TextioPro contact group",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "textiopro"],
) as dag:

    @task
    def build_warehouse_table() -> int:
        """Stand-in for your ELT: (re)build the customers table of the example warehouse."""
        # The default is positional: Airflow 2 calls it default_var, Airflow 3 default.
        numbers = [n.strip() for n in Variable.get(CUSTOMERS_VARIABLE, "").split(",") if n.strip()]
        if not numbers:
            raise AirflowSkipException(
                f"No sync, no campaign: set the Airflow Variable {CUSTOMERS_VARIABLE} to the opted-in "
                "customers' numbers (comma-separated, numbers you own) to sync them and text them."
            )
        customers = [
            (number, *names, 1) for number, names in zip(numbers, itertools.cycle(OPTED_IN))
        ] + NEVER_SYNCED
        db = BaseHook.get_connection(WAREHOUSE_CONN_ID).get_hook()
        db.run(
            [
                f"DROP TABLE IF EXISTS {WAREHOUSE_TABLE}",
                f"CREATE TABLE {WAREHOUSE_TABLE} "
                "(phone TEXT, first_name TEXT, last_name TEXT, city TEXT, marketing_opt_in INTEGER)",
            ]
        )
        db.insert_rows(
            WAREHOUSE_TABLE,
            customers,
            target_fields=["phone", "first_name", "last_name", "city", "marketing_opt_in"],
        )
        return len(customers)

    ensure_group = TextioProCreateGroupOperator(task_id="ensure_group", name=WAREHOUSE_GROUP)

    # Only the mapped columns are synced; `phone` (the default phone_column) becomes PHONE, the
    # key of the upsert. full_sync="unsubscribe" unsubscribes the group's contacts that are no
    # longer in the query, once every chunk has been read (an empty result never empties a
    # group). Returns created / updated / unchanged / removed / invalid counts.
    sync_customers = SqlToTextioProContactsOperator(
        task_id="sync_customers",
        conn_id=WAREHOUSE_CONN_ID,
        sql=f"SELECT phone, first_name, last_name, city FROM {WAREHOUSE_TABLE} WHERE marketing_opt_in = 1",
        column_mapping={"first_name": "FIRST_NAME", "last_name": "LAST_NAME", "city": "CITY"},
        group_uid=ensure_group.output,
        full_sync="unsubscribe",
        max_invalid_ratio=0.2,
        chunk_size=500,
    )

    build_warehouse_table() >> sync_customers

if __name__ == "__main__":
    dag.test()
