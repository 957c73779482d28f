"""Schemathesis hooks for scripts/contract-test.sh: each generated request meets the server in
the same state, and positive cases keep the rules the OpenAPI document states in words.

The server under test can be told to fail (fault rules, the `x-mock-fault` header) and to grow
(the live feed), and a generated request may tell it so: `POST /_mock/faults {"when": "always",
"what": "reset"}` would reset every later connection. So:

* `x-mock-fault` is taken out of the operations before any case is generated (its answers are
  covered by the Rust tests, which validate them against the same document);
* every call carries `x-mock-fault: what=delay:0s` instead (contract-test.sh gives it to
  schemathesis with -H, so no case is changed after it was generated): a request's own header
  wins over the standing rules, so no rule a case added fires on a later case, while the rules
  stay where the POST /_mock/faults -> GET/DELETE /_mock/faults/{id} links of the stateful
  phase find them (no rule reaches /_mock/faults at all);
* before each call of the examples, coverage and fuzzing phases the server is reset (startup
  events, empty journal, real time, no rules); in the stateful phase, whose scenarios build
  on the answers of earlier steps, only the journal is emptied;
* after `POST /_mock/live` the feed it started is stopped, so it appends events only while that
  one call is answered;
* the namespaces a case created are removed with the reset (`DELETE /_mock/namespaces`), as
  the reset leaves them alone; in the stateful phase they stay for the links, bounded by the
  server's `--namespace-max-events` and `--max-namespaces`.

Cases that are not sent:

* a case with a header value outside ASCII (either mode): it would go out as Latin-1 bytes,
  which Kestrel (and so the mock) refuses with an empty 400 before any endpoint sees the
  request, as it refuses a request line over 8 KiB (414) or headers over 32 KiB (431) -- the
  web server's answers, which the document puts outside itself;
* a positive (schema-valid) case that breaks what OpenAPI cannot state: the operation's
  `x-parameters-schema` (a JSON Schema over {name: value} of the parameters, e.g. the query
  needs `from` or `after`); a whole number written with a fraction (JSON Schema counts 3.0 as
  an integer, the JSON readers of production and of the mock, System.Text.Json and serde, do
  not); and the few rules no JSON Schema can state, in RULES_BEYOND_JSON_SCHEMA by operationId
  (a fault rule's ordered ranges, a subscription's resource filter that must be its source
  filter's app). schemathesis does not ask filter_case about the examples phase: an
  operation's examples must make one valid request together.

A 5xx fails the run (not_a_server_error) unless the operation lists that very status: then it is
production's documented answer (a party register refusal, a database refusal, a relative
source), and its body is still checked against the schema like any other answer.

Nothing here knows the operations otherwise: a new part of the document is tested as it is.
"""

import os
import re
import types
import urllib.request

import jsonschema_rs
import schemathesis

BASE_URL = os.environ["CONTRACT_TEST_BASE_URL"]
FAULT_HEADER = "x-mock-fault"
FAULT_HEADER_REF = "#/components/parameters/FaultHeader"
# A fault that changes nothing; as the request's own, it keeps the standing rules off it.
SHIELD = "what=delay:0s"


def _send(method, path):
    request = urllib.request.Request(BASE_URL + path, method=method, headers={FAULT_HEADER: SHIELD})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _under(case, prefix):
    return case.path == prefix or case.path.startswith(prefix + "/")


@schemathesis.hook
def before_process_path(context, path, methods):
    """Takes x-mock-fault out of the operations, so that no case carries it."""
    for operation in methods.values():
        if isinstance(operation, dict) and "parameters" in operation:
            operation["parameters"] = [
                parameter
                for parameter in operation["parameters"]
                if parameter.get("$ref") != FAULT_HEADER_REF and parameter.get("name") != FAULT_HEADER
            ]


@schemathesis.hook
def before_call(context, case, kwargs):
    # CONTRACT_TEST_TRACE=FILE lists every call, with its phase, for reading a failure.
    if os.environ.get("CONTRACT_TEST_TRACE"):
        with open(os.environ["CONTRACT_TEST_TRACE"], "a") as trace:
            trace.write(f"{case.meta.phase.name if case.meta else '-'} {case.method} {case.formatted_path}\n")
    if case.meta is not None and case.meta.phase.name == "stateful":
        _send("DELETE", "/_mock/requests")
    else:
        _send("POST", "/_mock/reset")
        _send("DELETE", "/_mock/namespaces")


@schemathesis.hook
def after_call(context, case, response):
    if case.method.upper() == "POST" and _under(case, "/_mock/live"):
        _send("DELETE", "/_mock/live")


# ---- positive cases: the rules that tie values together ----

_VALIDATORS = {}


def _parameters_schema_holds(case):
    schema = case.operation.definition.raw.get("x-parameters-schema")
    if schema is None:
        return True
    key = case.operation.label
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema_rs.validator_for(schema)
    declared = {
        parameter["name"].lower(): parameter
        for parameter in case.operation.definition.raw.get("parameters", [])
        if "name" in parameter
    }
    values = {}
    for container in (case.query, case.headers):
        for name, value in (container or {}).items():
            parameter = declared.get(name.lower())
            if parameter is None:
                continue
            # The coverage phase hands values over as they go on the wire: read integers back.
            if parameter.get("schema", {}).get("type") == "integer" and isinstance(value, str):
                try:
                    value = int(value)
                except ValueError:
                    pass
            values[parameter["name"]] = value
    return _VALIDATORS[key].is_valid(values)


def _seconds(duration):
    number, unit = re.fullmatch(r"0*([0-9]+)(ms|s|m|h)?", duration.strip()).groups()
    return int(number) * {"ms": 0.001, None: 1, "s": 1, "m": 60, "h": 3600}[unit]


def _instant(text):
    """An RFC 3339 time as seconds on one scale, for any year from 0 (Python's datetime starts at 1)."""
    match = re.fullmatch(
        r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
        r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))\s*",
        text,
    )
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    # Days from civil (H. Hinnant), valid for every proleptic Gregorian year.
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    seconds = days * 86400 + hour * 3600 + minute * 60 + second + float(match.group(7) or 0)
    if match.group(8):
        offset = int(match.group(9)) * 3600 + int(match.group(10)) * 60
        seconds -= offset if match.group(8) == "+" else -offset
    return seconds


def _fault_rule_texts(case):
    """The rule texts of an AddFault body: the text itself, or its when, what and rule."""
    body = case.body
    if isinstance(body, str):
        return [body]
    if isinstance(body, dict):
        return [value for key, value in body.items() if key in ("when", "what", "rule") and isinstance(value, str)]
    return []


def _fault_rule_ranges_are_ordered(case):
    """window:START..END needs START before END; delay:MIN..MAX needs MIN not above MAX."""
    for text in _fault_rule_texts(case):
        for start, end in re.findall(r"window:([^,]+?)\.\.([^,]+)", text):
            try:
                if _instant(start) >= _instant(end):
                    return False
            except AttributeError:
                pass  # not a time: the schema does not allow it, and the server's 400 is right
        for low, high in re.findall(r"delay:([^,.]+)\.\.([^,]+)", text):
            try:
                if _seconds(low) > _seconds(high):
                    return False
            except AttributeError:
                pass
    return True


# The server's default --max-fault-duration, which the contract test keeps.
_MAX_FAULT_SECONDS = 600


def _fault_rule_durations_are_capped(case):
    """A delay (each end of a range) and a slow_body last at most --max-fault-duration."""
    for text in _fault_rule_texts(case):
        for argument in re.findall(r"(?:delay|slow_body):([^,]+)", text):
            for duration in argument.split(".."):
                try:
                    if _seconds(duration) > _MAX_FAULT_SECONDS:
                        return False
                except AttributeError:
                    pass  # not a duration: the server's 400 is right
    return True


def _fault_rule_holds(case):
    return _fault_rule_ranges_are_ordered(case) and _fault_rule_durations_are_capped(case)


def _has_integral_float(value):
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_has_integral_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_integral_float(item) for item in value)
    return False


def _subscription_filters_agree(case):
    """Rule f of a subscription: with both filters, the resource is the source path's app,
    urn:altinn:resource:app_{org}_{app} (every subscription of a seed array)."""
    body = case.body
    for subscription in body if isinstance(body, list) else [body]:
        if not isinstance(subscription, dict):
            continue
        source, resource = subscription.get("sourceFilter"), subscription.get("resourceFilter")
        if not (isinstance(source, str) and isinstance(resource, str) and resource):
            continue
        # .NET reads a \ in an http(s) URL as /.
        path = re.match(r"[^:]*://[^/?#]*([^?#]*)", source.replace("\\", "/"))
        parts = path.group(1).split("/") if path else []
        if len(parts) != 3 or resource != f"urn:altinn:resource:app_{parts[1]}_{parts[2]}":
            return False
    return True


def _namespace_fits(case):
    """The fixtures' events and `generate` together within `generate`'s maximum (the server's
    --namespace-max-events); a generator `start` in years 1 to 9000, from which `generate`
    events spaced up to twice `spacing` apart stay before year 10000; each fault rule's own
    rules."""
    body = case.body if isinstance(case.body, dict) else {}
    schema = case.operation.definition.raw["requestBody"]["content"]["application/json"]["schema"]
    cap = schema["properties"]["generate"]["maximum"]
    fixtures = body.get("fixtures")
    if isinstance(fixtures, list):
        events = len(fixtures)
    elif isinstance(fixtures, dict):
        events = len(fixtures.get("events") or []) if ("events" in fixtures or "parties" in fixtures) else 1
    else:
        events = 0
    generate = body.get("generate") or 0
    if events + generate > cap:
        return False
    generator = body.get("generator") or {}
    try:
        start = _instant(generator.get("start") or "2026-01-05T07:00:00Z")
        spacing = _seconds(re.sub(r"\s+", "", generator.get("spacing") or "30s"))
    except AttributeError:
        return True  # not a time or duration: the schema does not allow it, the server's 400 is right
    if not _instant("0001-01-01T00:00:00Z") <= start <= _instant("9000-01-01T00:00:00Z"):
        return False
    if generate and start + 2 * spacing * generate >= _instant("9999-12-31T23:59:59.9999999Z"):
        return False
    rule_holds = RULES_BEYOND_JSON_SCHEMA["AddFault"]
    return all(rule_holds(types.SimpleNamespace(body=rule)) for rule in body.get("faults") or [])


RULES_BEYOND_JSON_SCHEMA = {
    "AddFault": _fault_rule_holds,
    "CreateSubscription": _subscription_filters_agree,
    "SeedSubscriptions": _subscription_filters_agree,
    "CreateNamespace": _namespace_fits,
}


@schemathesis.hook
def filter_case(context, case):
    meta = case.meta
    if not all(str(value).isascii() for value in (case.headers or {}).values()):
        return False
    if meta is None or meta.generation.mode.is_negative:
        return True
    if not _parameters_schema_holds(case):
        return False
    if _has_integral_float(case.body) or _has_integral_float(case.query):
        return False
    rule = RULES_BEYOND_JSON_SCHEMA.get(case.operation.definition.raw.get("operationId"))
    return rule is None or rule(case)


_ACCEPTED = set()


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure but a server error whose status the operation documents."""
    if failure.code != "ST101":
        return True
    documented = str(response.status_code) in case.operation.definition.raw.get("responses", {})
    # Said once per operation and status: generated generic events meet the SDK's 500 often.
    if documented and (case.operation.label, response.status_code) not in _ACCEPTED:
        _ACCEPTED.add((case.operation.label, response.status_code))
        print(f"accepted: {case.operation.label} answered {response.status_code}, as the document says production does")
    return not documented
