#!/usr/bin/env python3
"""Keeps what every fault-reachable operation shares consistent across the OpenAPI parts.

Wherever an operation lists the shared x-mock-fault header (FaultHeader), it also lists
x-mock-admin-token (AdminTokenHeader), which that header needs on a server with
--admin-token, and its 401 covers the ProblemDetails a fault header without that secret gets
(FaultUnauthorized; an operation whose 401 is the admin API's already has it). Idempotent;
run it after adding or changing a part (CI's contract tests fail where it was not run)."""
import json
import pathlib
from collections import OrderedDict

FAULT = {"$ref": "#/components/parameters/FaultHeader"}
ADMIN = {"$ref": "#/components/parameters/AdminTokenHeader"}
ADMIN_401 = {"$ref": "#/components/responses/AdminUnauthorized"}
FAULT_401 = {"$ref": "#/components/responses/FaultUnauthorized"}
PROBLEM = OrderedDict([("schema", OrderedDict([("$ref", "#/components/schemas/ProblemDetails")]))])
NOTE = " With --admin-token, an x-mock-fault header without x-mock-admin-token: ProblemDetails (application/problem+json)."


def share(operation):
    """Adds what `operation` misses; whether it changed."""
    parameters = operation.get("parameters", [])
    if FAULT not in parameters:
        return False
    changed = False
    if ADMIN not in parameters:
        parameters.insert(parameters.index(FAULT) + 1, OrderedDict(ADMIN))
        changed = True
    responses = operation.setdefault("responses", OrderedDict())
    unauthorized = responses.get("401")
    if unauthorized is None:
        responses["401"] = OrderedDict(FAULT_401)
        return True
    if unauthorized in (ADMIN_401, FAULT_401):
        return changed
    if "$ref" in unauthorized:
        raise SystemExit(f"a 401 that is neither the admin API's nor the fault header's: {unauthorized}")
    content = unauthorized.get("content")
    alternative = unauthorized.setdefault("x-content-when-not-empty", OrderedDict())
    if (content or {}).get("application/problem+json") is None and "application/problem+json" not in alternative:
        alternative["application/problem+json"] = PROBLEM
        unauthorized["description"] = unauthorized.get("description", "") + NOTE
        changed = True
    return changed


root = pathlib.Path(__file__).resolve().parents[2] / "src" / "http" / "openapi"
for part in sorted(root.glob("*.json")):
    document = json.loads(part.read_text(), object_pairs_hook=OrderedDict)
    changed = False
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method != "parameters" and isinstance(operation, dict):
                changed |= share(operation)
    if changed:
        part.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"updated {part.name}")
