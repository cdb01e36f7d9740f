"""Error answers of the sandbox, with the texts and HTTP codes real TextioPro servers use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ApiError(Exception):
    """An error answer ``{"status": "error", "message": ...}``.

    :param message: the ``message`` text.
    :param status: the HTTP code of the JSON answer (often 200, as on real servers).
    :param page_status: set for framework errors: the HTTP code of the HTML page sent
        instead of JSON when the client does not ask for JSON (or HTML errors are forced).
    :param headers: extra response headers.
    :param login_redirect: a client that does not ask for JSON is redirected to ``/login``
        (HTTP 302) instead, as Laravel does for an unauthenticated browser.
    """

    def __init__(
        self,
        message: str,
        status: int = 200,
        *,
        page_status: int | None = None,
        headers: Mapping[str, str] | None = None,
        login_redirect: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.page_status = page_status
        self.headers = dict(headers or {})
        self.login_redirect = login_redirect


def unauthenticated() -> ApiError:
    """Bad or missing bearer token: JSON clients get the error, others a redirect to ``/login``."""
    return ApiError("Unauthenticated.", page_status=401, login_redirect=True)


def bad_api_token() -> ApiError:
    """Bad or missing ``api_token``."""
    return ApiError("These credentials do not match our records.")


def no_model(model: str, uid: str, status: int = 200) -> ApiError:
    """Unknown uid, as Laravel's ModelNotFoundException words it."""
    return ApiError(f"No query results for model [App\\Models\\{model}] {uid}", status, page_status=404)


def route_not_found(path: str) -> ApiError:
    """No route for this path."""
    return ApiError(f"The route {path.lstrip('/')} could not be found.", 404, page_status=404)


def method_not_allowed(method: str, path: str, allowed: Sequence[str]) -> ApiError:
    """The path exists for other HTTP methods only."""
    methods = [name for method in allowed for name in (("GET", "HEAD") if method == "GET" else (method,))]
    return ApiError(
        f"The {method} method is not supported for route {path.lstrip('/')}. "
        f"Supported methods: {', '.join(methods)}.",
        405,
        page_status=405,
    )


def server_error(status: int = 500) -> ApiError:
    """An injected or unexpected server failure."""
    return ApiError("Server Error", status, page_status=status)
