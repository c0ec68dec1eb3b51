"""Every answer type accepts what its ecosystem accepts and rejects the rest with a fix."""

from __future__ import annotations

import pytest

from backend_scaffold import validators

ACCEPT = [
    ("project_name", "Orders Service"),
    ("project_name", "billing-api_v2.1"),
    ("project_slug", "orders-service"),
    ("project_slug", "a1"),
    ("description", "Takes orders and emits events"),
    ("author_email", "team@example.com"),
    ("go_module", "example.com/orders"),
    ("go_module", "github.com/acme/orders-service/v2"),
    ("go_module", "orders"),
    ("rust_crate", "orders_service"),
    ("rust_crate", "orders-service"),
    ("java_group_id", "com.example"),
    ("java_package", "com.example.orders"),
    ("java_package", "io.acme.orders_v2"),
    ("java_framework", "spring-boot"),
    ("python_package", "orders_service"),
    ("jwt_secret", "x" * 32),
]

REJECT = [
    ("project_name", "", "must start with a letter"),
    ("project_name", "9lives", "must start with a letter"),
    ("project_name", 'Say "hi"', "must start with a letter"),
    ("project_slug", "Orders", "lowercase"),
    ("project_slug", "orders--service", "single dashes"),
    ("project_slug", "-orders", "starting with a letter"),
    ("description", 'uses <xml> & quotes"', "must not contain"),
    ("description", "   ", "must not be empty"),
    ("author_email", "not-an-email", "e-mail address"),
    ("go_module", "Example.com/orders", "lowercase host"),
    ("go_module", "example.com//orders", "no empty elements"),
    ("go_module", "example.com/or ders", "must not contain ' '"),
    ("go_module", "example.com/.hidden", "must not start"),
    ("rust_crate", "Orders", "lowercase"),
    ("rust_crate", "1orders", "starting with a letter"),
    ("rust_crate", "async", "Rust keyword"),
    ("rust_crate", "std", "built-in crate"),
    ("java_group_id", "com.Example", "lowercase Java identifier"),
    ("java_package", "com.example.class", "Java keyword"),
    ("java_package", "com.example.1orders", "lowercase Java identifier"),
    ("java_package", "com..example", "lowercase Java identifier"),
    ("java_framework", "quarkus", "reserved"),
    ("python_package", "Orders", "lowercase Python identifier"),
    ("python_package", "class", "Python keyword"),
    ("python_package", "json", "standard library"),
    ("python_package", "fastapi", "dependency"),
    ("python_package", "py", "dependency"),
    ("jwt_secret", "short", "at least 32"),
]


@pytest.mark.parametrize(("key", "value"), ACCEPT)
def test_valid_answers_are_accepted(key: str, value: str) -> None:
    assert validators.RULES[key](value) is None


@pytest.mark.parametrize(("key", "value", "fix"), REJECT)
def test_invalid_answers_are_rejected_with_the_fix(key: str, value: str, fix: str) -> None:
    problem = validators.RULES[key](value)
    assert problem is not None
    assert fix in problem
