"""dag.test(): personal texts, local send windows, opt-outs, dry runs and private data (issue 13)."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators import messages
from airflow_provider_textiopro.utils.send_windows import number_time_zones
from tests.dags.dag_runner import load_dags, run_dag, use_dag_files
from tests.support.sandbox import set_conn_extra
from textiopro_sandbox.api import is_write

pytestmark = [pytest.mark.dags, pytest.mark.integration]

SEND = "/sms/send"
NL = ["31612340001", "31612340002", "31612340003"]
NEW_YORK = ["12125550101", "12125550102"]
SYDNEY = "61293744000"
WINDOW = ("09:00", "21:00")


def sends(sandbox):
    return [r for r in sandbox.requests if r.method == "POST" and r.path.endswith(SEND)]


def sandbox_clock(monkeypatch, sandbox, at: datetime) -> None:
    """Make the operator's clock the sandbox's, moved to ``at``; waiting in the task moves it on."""
    sandbox.advance((at - datetime.now(timezone.utc)).total_seconds())

    def now() -> datetime:
        return datetime.fromtimestamp(sandbox.app.clock.now(), timezone.utc)

    def sleep_until(moment: datetime) -> None:
        sandbox.advance(max(0.0, (moment - now()).total_seconds()))

    monkeypatch.setattr(messages, "utc_now", now)
    monkeypatch.setattr(messages, "sleep_until", sleep_until)


def in_window(number: str, sent_at: float) -> bool:
    """True when ``sent_at`` is inside 09:00-21:00 in every zone of the number."""
    moment = datetime.fromtimestamp(sent_at, timezone.utc)
    local = [moment.astimezone(ZoneInfo(zone)) for zone in number_time_zones(number)]
    return bool(local) and all(9 * 60 <= t.hour * 60 + t.minute < 21 * 60 for t in local)


def messages_sent(sandbox):
    """Every message the sandbox holds, scheduled ones included, as (to, text, sent_at)."""
    return [(m.to, m.text, m.sent_at) for m in sandbox.state.accounts[sandbox.token].messages.values()]


def test_ten_thousand_personal_rows_with_three_texts_take_about_a_hundred_requests(
    monkeypatch, textiopro_conn, sandbox
):
    sandbox.state.accounts[sandbox.token].balance = None  # unlimited: 10,000 messages
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_respectful_sends.py")

    dag_run = run_dag(dags["textiopro_personal_texts"], dags)

    assert dag_run.state == "success"
    result = dag_run.get_task_instance("send").xcom_pull(task_ids="send")
    assert result["accepted"] == 10_000
    texts = {t["text"]: t["recipients"] for t in result["plan"]["texts"]}
    assert texts == {
        "Hi Jo, Acme opens at nine.": 3334,
        "Hi Al, Acme opens at nine.": 3333,
        "Hi there, Acme opens at nine.": 3333,
    }
    assert len(sends(sandbox)) == sum(math.ceil(count / 100) for count in texts.values()) == 102
    names = {index: ("Jo", "Al", "there")[index % 3] for index in range(10_000)}
    received = Counter((to, text) for to, text, _ in messages_sent(sandbox))
    assert len(received) == 10_000
    assert set(received.values()) == {1}
    for to, text in received:
        assert text == f"Hi {names[int(to[-7:])]}, Acme opens at nine."


def test_no_message_leaves_outside_its_recipients_window_on_the_platform(
    monkeypatch, platform_conn, platform_sandbox
):
    # 13:00 UTC: 14:00 in Amsterdam (open), 08:00 in New York (two numbers: schedule_time),
    # 00:00 in Sydney (one number: the platform would send it at once, so the task holds it).
    sandbox = platform_sandbox
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 13, 0, tzinfo=timezone.utc)
    sandbox_clock(monkeypatch, sandbox, at)
    recipients = [{"PHONE": "+" + number} for number in [*NL, *NEW_YORK, SYDNEY]]

    result = window_run(monkeypatch, {"recipients": recipients, "send_window": list(WINDOW)})

    sent = messages_sent(sandbox)
    assert sorted(to for to, _, _ in sent) == sorted([*NL, *NEW_YORK, SYDNEY])
    assert [to for to, _, sent_at in sent if not in_window(to, sent_at)] == []
    steps = [(s["how"], sorted(s["recipients"])) for s in result["plan"]["steps"]]
    assert steps == [("now", NL), ("schedule_time", NEW_YORK), ("hold in the task", [SYDNEY])]
    assert result["accepted"] == 6


def test_suppressed_numbers_get_no_message(monkeypatch, textiopro_conn, sandbox):
    set_conn_extra(monkeypatch, textiopro_conn, default_region="NL")
    hook = TextioProHook(textiopro_conn)
    group = hook.create_group("Newsletter")
    hook.create_contact(group.uid, "+" + NL[1], STATUS="unsubscribe")
    hook.create_contact(group.uid, "+" + NL[2], STATUS="subscribe")
    recipients = [{"PHONE": "+" + number, "FIRST_NAME": "Jo"} for number in NL] + [{"PHONE": "06 1234 0009"}]

    result = window_run(
        monkeypatch,
        {"recipients": recipients, "suppress": ["+31 6 1234 0009"], "groups": [group.uid]},
    )

    assert sorted(to for to, _, _ in messages_sent(sandbox)) == [NL[0], NL[2]]
    assert result["suppressed"] == 2
    assert result["accepted"] == 2
    suppressed = {o["recipient"]: o for o in result["outcomes"] if o["status"] == "suppressed"}
    assert sorted(suppressed) == sorted([NL[1], "31612340009"])
    assert all(o["uid"] is None and "suppressed" in o["error"] for o in suppressed.values())


def test_a_dry_run_writes_nothing_and_plans_what_the_real_run_does(monkeypatch, textiopro_conn, sandbox):
    hook = TextioProHook(textiopro_conn)
    group = hook.create_group("Customers")
    hook.create_contact(group.uid, "+" + NL[0], STATUS="unsubscribe")
    sandbox.clear_requests()
    conf = {
        "recipients": [
            {"PHONE": "+" + NL[0], "FIRST_NAME": "Jo"},
            {"PHONE": "+" + NL[1], "FIRST_NAME": "Al"},
            {"PHONE": "+" + NL[2]},
            {"PHONE": "not a number"},
        ],
        "suppress": [],
        "groups": group.uid,
    }
    set_conn_extra(monkeypatch, textiopro_conn, dry_run=True)

    planned = window_run(monkeypatch, conf)

    assert [(r.method, r.path) for r in sandbox.requests if is_write(r.method, r.path)] == []
    assert any(r.path.endswith(f"/contacts/{group.uid}/all") for r in sandbox.requests)
    assert messages_sent(sandbox) == []
    assert planned["dry_run"] is True
    set_conn_extra(monkeypatch, textiopro_conn, dry_run=False)

    done = window_run(monkeypatch, conf)

    assert "dry_run" not in done
    assert done["plan"] == planned["plan"]
    assert {k: v for k, v in planned.items() if k != "dry_run"}.items() <= done.items()
    sent = sorted((to, text) for to, text, _ in messages_sent(sandbox))
    planned_sends = sorted(
        (number, planned["plan"]["texts"][step["text"]]["text"])
        for step in planned["plan"]["steps"]
        for number in step["recipients"]
    )
    assert (
        sent
        == planned_sends
        == [(NL[1], "Hi Al, our sale starts today."), (NL[2], "Hi there, our sale starts today.")]
    )


def test_an_otp_code_stays_out_of_rendered_fields_logs_and_xcom(monkeypatch, textiopro_conn, sandbox, logged):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_respectful_sends.py")

    dag_run = run_dag(dags["textiopro_private_send"], dags)

    assert dag_run.state == "success"
    assert [text for _, text, _ in messages_sent(sandbox)].count("Your login code is 482913") == 1
    code = dag_run.get_task_instance("code")
    result = code.xcom_pull(task_ids="code")
    assert result["accepted"] == 1
    rendered = rendered_fields(code)
    assert rendered["message"] == "<sensitive text, not shown>"
    logs = logged()
    assert "Sending a otp message" in logs
    for where in (json.dumps(rendered), logs, json.dumps(result)):
        assert "482913" not in where


def test_masked_recipients_keep_numbers_out_of_xcom_and_the_sensor_still_waits(
    monkeypatch, textiopro_conn, sandbox
):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_respectful_sends.py")

    dag_run = run_dag(dags["textiopro_private_send"], dags)

    assert dag_run.state == "success"
    assert dag_run.get_task_instance("wait").state == "success"
    result = dag_run.get_task_instance("masked").xcom_pull(task_ids="masked")
    assert result["accepted"] == 2
    assert sorted(o["recipient"] for o in result["outcomes"]) == ["+3161****676", "+3161****677"]
    assert "1234567" not in json.dumps(result)


def rendered_fields(ti):
    """Return the rendered template fields Airflow stored for ``ti``."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields

    fields = RenderedTaskInstanceFields.get_templated_fields(ti)
    assert fields is not None
    return fields


def window_run(monkeypatch, conf):
    """Run the respectful-send DAG with ``conf``; return the send's XCom."""
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_respectful_sends.py")
    dag_run = run_dag(dags["textiopro_respectful_send"], dags, run_conf=conf)
    assert dag_run.state == "success"
    return dag_run.get_task_instance("send").xcom_pull(task_ids="send")
