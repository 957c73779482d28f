#!/usr/bin/env python3
"""Keeps the OpenAPI parts consistent: wherever an operation lists the shared x-mock-fault
header (FaultHeader), it also lists x-mock-admin-token (AdminTokenHeader), which that header
needs on a server with --admin-token. Idempotent; run it after adding a part."""
import json
import pathlib
from collections import OrderedDict

FAULT = {"$ref": "#/components/parameters/FaultHeader"}
ADMIN = {"$ref": "#/components/parameters/AdminTokenHeader"}

root = pathlib.Path(__file__).resolve().parents[2] / "src" / "http" / "openapi"
for part in sorted(root.glob("*.json")):
    document = json.loads(part.read_text(), object_pairs_hook=OrderedDict)
    changed = False
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            parameters = operation.get("parameters", [])
            if FAULT in parameters and ADMIN not in parameters:
                parameters.insert(parameters.index(FAULT) + 1, OrderedDict(ADMIN))
                changed = True
    if changed:
        part.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"updated {part.name}")
