"""No OpenAPI operation of any service takes a parameter its documented contract lacks.

The contract is ``docs/api-parameters.json``: per service, per operation, the parameters
it takes (``in:name``). A dependency whose own parameters leaked into the route (as
``Depends(partial(state, name=...))`` once made ``?name=`` choose a server object) shows
up here as a parameter no one documented.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.five_services import APPS, SERVICES

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "api-parameters.json"
# Names of server objects (``app.state``) and of dependencies: never a request parameter.
SERVER_SIDE = {"name", "deps", "admin", "models", "publish", "today", "jwt_secret", "request"}


def parameters(document: dict[str, Any]) -> dict[str, list[str]]:
    return {
        f"{method.upper()} {path}": sorted(
            f"{p['in']}:{p['name']}" for p in operation.get("parameters", [])
        )
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_takes_exactly_the_documented_parameters(service: str) -> None:
    documented = json.loads(CONTRACT.read_text())[service]
    actual = parameters(APPS[service]().openapi())
    undocumented = {
        op: sorted(set(params) - set(documented.get(op, []))) for op, params in actual.items()
    }
    assert {op: extra for op, extra in undocumented.items() if extra} == {}
    assert sorted(actual) == sorted(documented), "operations added or gone: update the contract"
    assert actual == documented


@pytest.mark.parametrize("service", SERVICES)
def test_no_parameter_names_a_server_object_and_path_ones_are_in_the_path(service: str) -> None:
    for op, params in parameters(APPS[service]().openapi()).items():
        path = op.split(" ", 1)[1]
        for param in params:
            where, name = param.split(":", 1)
            if where != "path":  # a path's own {name} is the route's, not a dependency's
                assert name not in SERVER_SIDE, f"{service} {op}: {param}"
            if where == "path":
                assert re.search(rf"\{{{name}\}}", path), f"{service} {op}: {param}"
