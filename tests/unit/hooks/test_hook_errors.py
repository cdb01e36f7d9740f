"""Error mapping: the envelope read whatever the HTTP code, HTML bodies, routes missing in one style."""

from __future__ import annotations

import pytest
import responses

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProAuthStyleError,
    TextioProError,
    TextioProInputError,
    TextioProNotFoundError,
    TextioProRateLimitError,
    TextioProSendUncertainError,
    TextioProServerError,
    TextioProServerFaultError,
)
from airflow_provider_textiopro.hooks._internal.answers import excerpt, parse_retry_after
from tests.support.hooks import PREFIX, V3, error, make_hook, ok

HTML_500 = (
    "<html><head><style>body{color:red}</style><title>Server Error</title></head>"
    "<body><h1>500 | Server Error</h1></body></html>"
)


@pytest.mark.parametrize(
    ("status", "body", "expected", "fragments"),
    [
        (200, error("Unauthenticated."), TextioProAuthError, ["Unauthenticated.", "token"]),
        (401, error("Unauthenticated."), TextioProAuthError, ["HTTP 401", "auth_style"]),
        (401, "<html><body>Unauthorized</body></html>", TextioProAuthError, ["Unauthorized"]),
        (200, error("These credentials do not match our records."), TextioProAuthError, ["credentials"]),
        (403, error("You do not have permission to access API"), TextioProAuthError, ["permission"]),
        (403, error(""), TextioProAuthError, ["HTTP 403"]),
        (200, error("Too Many Attempts."), TextioProRateLimitError, ["Too Many Attempts.", "wait"]),
        (429, {"message": "Too Many Attempts."}, TextioProRateLimitError, ["HTTP 429"]),
        (
            200,
            error("No query results for model [App\\Models\\Reports] 6065ecdc9184a"),
            TextioProNotFoundError,
            ["No query results", "uid"],
        ),
        (404, error("Not found"), TextioProNotFoundError, ["HTTP 404"]),
        (
            200,
            error("The recipient field is required."),
            TextioProInputError,
            ["recipient field", "parameters"],
        ),
        (422, error("The p h o n e has already been taken."), TextioProInputError, ["already been taken"]),
        (
            422,
            {"message": "The name field is required.", "errors": {"name": ["The name field is required."]}},
            TextioProInputError,
            ["name field"],
        ),
        (
            403,
            error("There is not enough balance available to send this message"),
            TextioProInputError,
            ["not enough balance", "account"],
        ),
        (
            200,
            error("You have exceeded your sending limit."),
            TextioProInputError,
            ["sending limit", "account"],
        ),
        (
            200,
            error("Originator X is not authorized to send this message"),
            TextioProInputError,
            ["Originator", "sender id"],
        ),
        (200, error("Number contains in the blacklist"), TextioProInputError, ["blacklist", "account"]),
        (200, error("Your message contains spam words."), TextioProInputError, ["spam"]),
        (200, error("locale.campaign.invalid_group"), TextioProInputError, ["invalid_group"]),
        (200, error("Please insert valid sms type"), TextioProInputError, ["valid sms type"]),
        (500, error("Server Error"), TextioProServerError, ["HTTP 500", "retry later"]),
        (502, HTML_500, TextioProServerError, ["500 | Server Error", "HTTP 502"]),
        (200, "this is not json", TextioProServerError, ["unreadable answer: this is not json"]),
        (200, "", TextioProServerError, ["empty answer"]),
        (200, error("SQLSTATE[HY000]: General error"), TextioProServerFaultError, ["SQLSTATE"]),
        (200, ["a", "list"], TextioProServerError, ["unreadable"]),
    ],
)
@responses.activate
def test_error_mapping(monkeypatch, status, body, expected, fragments):
    hook, _ = make_hook(monkeypatch, max_retries=0)
    kwargs = {"body": body} if isinstance(body, str) else {"json": body}
    responses.add("GET", f"{V3}/balance", status=status, **kwargs)

    with pytest.raises(expected) as raised:
        hook.get_balance()

    error_ = raised.value
    assert type(error_) is expected
    assert error_.operation == "get_balance"
    assert error_.status_code == status
    text = str(error_)
    assert text.startswith("TextioPro get_balance")
    for fragment in fragments:
        assert fragment.lower() in text.lower()


# The platform's own statuses (FIELD-NOTES, "Observed on a running reference platform"): the text decides.
@pytest.mark.parametrize(
    ("status", "text", "advice"),
    [
        (404, "Originator TXTPRO is not authorized to send this message", "sender id this TextioPro account"),
        (404, "Please insert valid sms type. Supported types are plain, unicode ...", "message type"),
        (200, "Language and gender parameters are required", "language and gender for voice"),
        (404, "media_url parameter is required", "media_url for mms"),
        (403, "There is not enough balance available to send this message.", "Top up"),
        (403, "Number contains in the blacklist", "blacklist"),
        (404, "Your message contains spam words.", "Reword the message"),
        (403, "You have exceeded your sending limit.", "sending limit"),
        (403, "You cannot send more than 100 SMS in a single request.", "at most 100 recipients"),
        (403, "31600 is a invalid phone number", "country code"),
    ],
)
@responses.activate
def test_the_server_text_classifies_before_the_status(monkeypatch, status, text, advice):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/contacts", status=status, json=error(text))

    with pytest.raises(TextioProInputError) as raised:
        hook.create_group("Customers")

    message = str(raised.value)
    assert type(raised.value) is TextioProInputError
    assert text in message
    assert advice in message
    assert "uid" not in message
    assert (len(responses.calls), sleeps) == (1, [])


@pytest.mark.parametrize("status", [200, 404])
@responses.activate
def test_an_unknown_uid_is_still_not_found_whatever_the_status(monkeypatch, status):
    hook, _ = make_hook(monkeypatch)
    text = "No query results for model [App\\Models\\Reports] 6065ecdc9184a"
    responses.add("GET", f"{V3}/sms/6065ecdc9184a", status=status, json=error(text))
    with pytest.raises(TextioProNotFoundError, match="Check the uid"):
        hook.get_message("6065ecdc9184a")


@pytest.mark.parametrize("location", ["https://app.textiopro.com/login", "/login"])
@responses.activate
def test_a_redirect_to_the_login_page_is_an_auth_error(monkeypatch, location):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/me", status=302, headers={"Location": location})

    with pytest.raises(TextioProAuthError, match="login page") as raised:
        hook.get_profile()

    assert "refused the token" in str(raised.value)
    assert "nothing was done" in str(raised.value)
    assert (len(responses.calls), sleeps) == (1, [])


@responses.activate
def test_html_error_excerpt_has_no_tags_or_styles(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_retries=0)
    responses.add("GET", f"{V3}/me", status=500, body=HTML_500)
    with pytest.raises(TextioProServerError) as raised:
        hook.get_profile()
    text = str(raised.value)
    assert "<" not in text
    assert "color:red" not in text
    assert raised.value.api_message is None


def test_excerpt_is_short():
    assert len(excerpt("<p>" + "x" * 5000 + "</p>")) == 200


@responses.activate
def test_api_message_is_the_server_text(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/balance", json=error("The recipient field is required."))
    with pytest.raises(TextioProInputError) as raised:
        hook.get_balance()
    assert raised.value.api_message == "The recipient field is required."


@responses.activate
def test_status_error_is_an_error_even_with_data(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/balance", json={**error("Unauthenticated."), "data": {"remaining_unit": "1"}})
    with pytest.raises(TextioProAuthError):
        hook.get_balance()


@responses.activate
def test_redirect_is_not_followed_and_says_where_to_point_the_host(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add(
        "POST", f"{V3}/sms/send", status=301, headers={"Location": "https://new.example/api/v3/sms/send"}
    )
    with pytest.raises(TextioProInputError, match=r"redirected the request to https://new\.example"):
        hook.send_message("31612345678", "Hi")
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), ("0.5", 0.5), (None, None), ("", None), ("soon", None), ("-3", 0.0)],
)
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412500.0) == 10.0


def test_rate_limit_error_carries_retry_after(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_retries=0)
    with responses.RequestsMock() as mocked:
        mocked.add(
            "GET", f"{V3}/me", status=429, json=error("Too Many Attempts."), headers={"Retry-After": "42"}
        )
        with pytest.raises(TextioProRateLimitError, match="wait 42 s") as raised:
            hook.get_profile()
    assert raised.value.retry_after == 42.0


# Routes a server lacks, and the GET/POST fallback of reads


METHOD_NOT_SUPPORTED = (
    "The {verb} method is not supported for route api/{api}/{path}. Supported methods: {other}."
)


@pytest.mark.parametrize("status", [405, 200])
@responses.activate
def test_api_token_read_refused_for_get_is_tried_once_with_post_and_remembered(monkeypatch, status):
    hook, _ = make_hook(monkeypatch, "api_token")
    text = METHOD_NOT_SUPPORTED.format(verb="GET", api="http", path="me", other="POST")
    responses.add("GET", f"{PREFIX['api_token']}/me", status=status, json=error(text))
    responses.add("POST", f"{PREFIX['api_token']}/me", json=ok({"uid": "u1", "first_name": "Jo"}))

    assert hook.get_profile().first_name == "Jo"
    assert hook.get_profile().first_name == "Jo"

    assert [call.request.method for call in responses.calls] == ["GET", "POST", "POST"]


@responses.activate
def test_an_api_token_read_answered_with_another_error_is_not_resent_with_post(monkeypatch):
    hook, _ = make_hook(monkeypatch, "api_token")
    responses.add("GET", f"{PREFIX['api_token']}/contacts", json=error("The name field is required."))

    with pytest.raises(TextioProInputError, match="name field"):
        list(hook.list_groups())

    assert [call.request.method for call in responses.calls] == ["GET"]


@responses.activate
def test_read_refused_for_get_is_tried_with_post(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    text = METHOD_NOT_SUPPORTED.format(verb="GET", api="v3", path="balance", other="POST")
    responses.add("GET", f"{V3}/balance", status=405, json=error(text))
    responses.add("POST", f"{V3}/balance", json=ok({"remaining_unit": "3"}))

    assert hook.get_balance().remaining == "3"
    assert [call.request.method for call in responses.calls] == ["GET", "POST"]


@responses.activate
def test_campaign_under_api_token_says_use_bearer_and_is_sent_once(monkeypatch):
    hook, _ = make_hook(monkeypatch, "api_token")
    text = METHOD_NOT_SUPPORTED.format(verb="POST", api="http", path="sms/campaign", other="GET, HEAD")
    responses.add("POST", f"{PREFIX['api_token']}/sms/campaign", status=405, json=error(text))

    with pytest.raises(TextioProAuthStyleError, match="auth_style='bearer'") as raised:
        hook.send_campaign("6415907d0d37a", "Hi")

    assert "Nothing was sent" in str(raised.value)
    assert len(responses.calls) == 1


@pytest.mark.parametrize("first_status", [404, 405])
@responses.activate
def test_campaign_view_under_api_token_says_use_bearer(monkeypatch, first_status):
    hook, _ = make_hook(monkeypatch, "api_token")
    url = f"{PREFIX['api_token']}/campaign/6065ecdc9184a/view"
    if first_status == 405:
        text = METHOD_NOT_SUPPORTED.format(verb="GET", api="http", path="x", other="POST")
        responses.add("GET", url, status=405, json=error(text))
    else:
        responses.add("GET", url, status=404, json=error(f"The route {url} could not be found."))
    responses.add("POST", url, status=404, json=error(f"The route {url} could not be found."))

    with pytest.raises(TextioProAuthStyleError, match=r"(?i)use auth_style='bearer'"):
        hook.get_campaign("6065ecdc9184a")

    assert len(responses.calls) == (2 if first_status == 405 else 1)


@responses.activate
def test_a_missing_route_in_bearer_style_points_at_the_host(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/me", status=404, body="<html><body>Not Found</body></html>")
    with pytest.raises(TextioProNotFoundError, match="host") as raised:
        hook.get_profile()
    assert not isinstance(raised.value, TextioProAuthStyleError)


@responses.activate
def test_a_write_refused_for_its_verb_is_not_resent_with_another(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    text = METHOD_NOT_SUPPORTED.format(verb="POST", api="v3", path="sms/send", other="GET, HEAD")
    responses.add("POST", f"{V3}/sms/send", status=405, json=error(text))
    with pytest.raises(TextioProNotFoundError):
        hook.send_message("31612345678", "Hi")
    assert len(responses.calls) == 1


@responses.activate
def test_send_answered_with_5xx_may_have_happened(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/sms/send", status=500, body=HTML_500)
    with pytest.raises(TextioProSendUncertainError, match="check the TextioPro dashboard"):
        hook.send_message("31612345678", "Hi")


@responses.activate
def test_success_without_the_expected_object_is_a_server_error(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/me", json=ok("nothing here"))
    with pytest.raises(TextioProServerError, match="without the expected object"):
        hook.get_profile()


@responses.activate
def test_campaign_success_without_uid_is_uncertain(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/sms/campaign", json=ok(None, "Campaign queued."))
    with pytest.raises(TextioProSendUncertainError, match="without a campaign uid"):
        hook.send_campaign("6415907d0d37a", "Hi")


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda hook: hook.get_message(""), "uid"),
        (lambda hook: hook.get_group(None), "uid"),
        (lambda hook: hook.create_group("  "), "group name"),
        (lambda hook: hook.send_campaign([], "Hi"), "contact_list_ids"),
        (lambda hook: hook.send_message("31612345678", "Hi", type="fax"), "type"),
        (lambda hook: hook.send_message("31612345678", "   "), "empty"),
        (lambda hook: hook.send_message("31612345678", "Hi", sender_id="Far too long a name"), "Sender id"),
        (lambda hook: hook.send_message("31612345678", "Hi", schedule_time="2001-01-01 10:00"), "past"),
        (lambda hook: hook.send_message("0612345678", "Hi"), "country code"),
        (lambda hook: hook.create_contact("g", "31612345678", Phone="1"), "PHONE"),
        (lambda hook: hook.create_contact("g", "12"), "12"),
    ],
)
@responses.activate
def test_bad_input_fails_before_any_request(monkeypatch, call, fragment):
    hook, _ = make_hook(monkeypatch)
    with pytest.raises(TextioProInputError, match=fragment):
        call(hook)
    assert len(responses.calls) == 0


def test_every_error_is_a_textiopro_error():
    from airflow_provider_textiopro.version_compat import AirflowException

    assert issubclass(TextioProError, AirflowException)
    assert issubclass(TextioProSendUncertainError, TextioProServerError)


@responses.activate
def test_a_failed_delete_whose_read_back_fails_too_says_the_outcome_is_unknown(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_retries=0)
    responses.add(
        "DELETE", f"{V3}/contacts/6065ecdc9184a", json=error('Attempt to read property "id" on null')
    )
    responses.add("POST", f"{V3}/contacts/6065ecdc9184a/show", status=503, json=error("Service Unavailable"))

    with pytest.raises(TextioProServerFaultError) as raised:
        hook.delete_group("6065ecdc9184a")

    message = str(raised.value)
    assert 'Attempt to read property "id" on null' in message
    assert "Reading group 6065ecdc9184a back failed too" in message
    assert "whether it was deleted is unknown" in message
    assert [call.request.method for call in responses.calls] == ["DELETE", "POST"]
