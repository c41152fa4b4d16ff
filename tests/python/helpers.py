"""Small helpers shared by the tests (no fixtures here; see conftest.py)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from azure.core.exceptions import HttpResponseError

ARM_CODE = re.compile(r"^[A-Z][A-Za-z0-9]+$")


def error_code(exc: HttpResponseError) -> str | None:
    """The ARM error code the SDK parsed from the body (`{"error": {"code": ...}}`)."""
    return exc.error.code if exc.error is not None else None


def error_body(exc: HttpResponseError) -> dict:
    """The raw JSON error body of a failed response."""
    return json.loads(exc.response.text())


def assert_arm_error(exc: HttpResponseError, status: int, code: str | None = None) -> dict:
    """Check an SDK error carries ARM's error envelope; return its `error` object."""
    assert exc.status_code == status, f"expected {status}, got {exc.status_code}: {exc.message}"
    body = error_body(exc)
    assert set(body) == {"error"}, f"ARM error bodies have exactly one key, `error`: {body}"
    err = body["error"]
    assert ARM_CODE.match(err.get("code", "")), f"not an ARM error code: {err!r}"
    assert isinstance(err.get("message"), str) and err["message"], f"no message: {err!r}"
    assert error_code(exc) == err["code"], "the SDK did not parse the ARM error code"
    if code is not None:
        assert err["code"] == code, f"expected code {code}, got {err['code']}: {err['message']}"
    return err


def is_uuid(s: str | None) -> bool:
    try:
        uuid.UUID(str(s))
        return True
    except ValueError:
        return False


def same_id(a: str | None, b: str | None) -> bool:
    """ARM ids compare case-insensitively."""
    return a is not None and b is not None and a.lower() == b.lower()
