"""docs/openapi.yaml is a valid OpenAPI 3.1 document and agrees with docs/contract.md."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

DOCS = Path(__file__).resolve().parents[1] / "docs"
METHODS = {"get", "post", "put", "patch", "delete"}
DASH = "\N{EN DASH}"  # the contract writes ranges with an en dash


@cache
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DOCS / "openapi.yaml").read_text(encoding="utf-8"))
    return document


@cache
def contract() -> str:
    return (DOCS / "contract.md").read_text(encoding="utf-8")


def _contract_routes() -> set[tuple[str, str]]:
    """Every `METHOD /path` the contract's route tables and operations section name."""
    found = re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)", contract())
    return {(method.lower(), path) for method, path in found}


def _operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in openapi()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def test_openapi_document_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    validate(openapi(), cls=OpenAPIV31SpecValidator)


def test_every_contract_route_is_in_the_openapi_document_and_back() -> None:
    assert _contract_routes() == set(_operations())


def test_operation_ids_are_unique() -> None:
    ids = [operation["operationId"] for operation in _operations().values()]
    assert len(ids) == len(set(ids))


def test_problem_types_match_the_contract_table() -> None:
    in_contract = set(re.findall(r"`(urn:problem-type:[a-z-]+)`", contract()))
    in_schema = set(openapi()["components"]["schemas"]["Problem"]["properties"]["type"]["enum"])
    assert in_contract == in_schema


def test_validation_is_400_never_422() -> None:
    statuses = {status for operation in _operations().values() for status in operation["responses"]}
    assert "422" not in statuses
    body_operations = [op for op in _operations().values() if "requestBody" in op]
    assert body_operations
    for operation in body_operations:
        assert {"400", "415"} <= set(operation["responses"]), operation["operationId"]


def test_every_error_response_is_problem_json() -> None:
    responses = openapi()["components"]["responses"]
    for name, response in responses.items():
        assert list(response["content"]) == ["application/problem+json"], name


@pytest.mark.parametrize("operation", ["register", "login", "refresh", "logout"])
def test_auth_routes_are_marked_as_existing_only_with_jwt(operation: str) -> None:
    by_id = {op["operationId"]: op for op in _operations().values()}
    assert by_id[operation]["x-answers"] == {"auth": "jwt"}
    assert by_id[operation]["security"] == []


def test_operations_endpoints_are_public_and_api_routes_are_not() -> None:
    for (_, path), operation in _operations().items():
        public = operation.get("security", openapi()["security"]) == []
        expected_public = not path.startswith("/api/") or path.startswith("/api/v1/auth/")
        assert public == expected_public, path


def test_order_item_limits_match_the_contract() -> None:
    schemas = openapi()["components"]["schemas"]
    item = schemas["OrderItemInput"]["properties"]
    assert (item["quantity"]["minimum"], item["quantity"]["maximum"]) == (1, 1000)
    assert (item["unit_price_cents"]["minimum"], item["unit_price_cents"]["maximum"]) == (0, 100_000_000)
    items = schemas["CreateOrderRequest"]["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, 100)
    assert f"`quantity` 1{DASH}1000" in contract() and f"1{DASH}100 items" in contract()


def test_pagination_limits_match_the_contract() -> None:
    limit = openapi()["components"]["parameters"]["Limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 20)
    assert f"`limit` defaults to 20, accepts 1{DASH}100" in contract()


# --- Part II: production properties --------------------------------------------------------


def _part_two() -> str:
    return contract().split("# Part II: Production properties", 1)[1]


def test_every_api_operation_answers_503_and_every_body_operation_413() -> None:
    for (_, path), operation in _operations().items():
        if not path.startswith("/api/v1"):
            continue
        assert "503" in operation["responses"], operation["operationId"]
        if "requestBody" in operation:
            assert "413" in operation["responses"], operation["operationId"]


def test_every_variable_part_two_names_is_in_the_configuration_table() -> None:
    table = contract().split("## 2. Configuration", 1)[1].split("## 3.", 1)[0]
    configured = set(re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)?", table, flags=re.MULTILINE))
    variables = {name for row in configured for name in row if name}
    values = {"SASL_SSL", "PLAINTEXT", "SSL"}  # KAFKA_SECURITY_PROTOCOL's choices, not variables
    named = set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", _part_two())) - values
    assert named <= variables, sorted(named - variables)


def test_every_part_two_section_names_a_conformance_section_that_exists() -> None:
    from tests.conformance.conftest import PRODUCTION_SECTIONS

    headings = re.findall(r"^## \d+\. .* — sections? (.+)$", _part_two(), flags=re.MULTILINE)
    named = {section for heading in headings for section in re.findall(r"`([a-z-]+)`", heading)}
    assert named == set(PRODUCTION_SECTIONS)
    conformance = DOCS.parent / "tests" / "conformance"
    for section in named:
        assert (conformance / f"test_{section.replace('-', '_')}.py").is_file(), section
