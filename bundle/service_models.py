"""The layer's service models: per service the functions call, the build botocore's model restricted
to those operations (ops_alert_aws.api_operations), without documentation, and a manifest of the
model files each was made from.

Creating a client json-decodes its service's whole model, most of the processor's client cost on a
cold start. ops_alert_aws.model_subsets serves a subset only where the runtime's botocore has the same
files. Also kept: the operations botocore calls itself (endpoint discovery) and every modeled error,
so ``client.exceptions`` and error parsing are the full model's; mappings keep the model's order
(members are serialized and parsed in it).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import botocore
import botocore.exceptions
import botocore.loaders

import bundle.lambda_code  # noqa: F401 - functions/ on sys.path: the declared operations live with the code
from bundle.cli_errors import UserError
from ops_alert_aws.api_operations import OPERATIONS
from ops_alert_aws.model_subsets import MANIFEST, SERVICE_MODEL, model_files

LAYER_DIRECTORY = "python/ops_alert_aws/service_models"
# Keys that hold only prose for people (botocore's documentation and help links).
DOCUMENTATION = frozenset({"documentation", "documentationUrl"})
_REFERENCES = ("member", "key", "value")  # a list's or a map's member references


def build_loader() -> botocore.loaders.Loader:
    """The models as the build's botocore ships them (not a ~/.aws/models of the build machine)."""
    return botocore.loaders.Loader(extra_search_paths=[botocore.loaders.Loader.BUILTIN_DATA_PATH],
                                   include_default_search_paths=False)


def _prose_free(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in DOCUMENTATION}


def _referenced(shape: Mapping[str, Any]) -> Iterator[str]:
    for key in _REFERENCES:
        if key in shape:
            yield shape[key]["shape"]
    for reference in shape.get("members", {}).values():
        yield reference["shape"]


def _operation_shapes(operation: Mapping[str, Any]) -> Iterator[str]:
    for key in ("input", "output"):
        if key in operation:
            yield operation[key]["shape"]
    for error in operation.get("errors", []):
        yield error["shape"]


def reachable_shapes(shapes: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """The shapes named in ``roots`` and every shape their members, list members, map keys and
    values lead to."""
    found: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(_referenced(shapes[name]))
    return found


def _shape(shape: Mapping[str, Any]) -> dict[str, Any]:
    kept = _prose_free(shape)
    for key in _REFERENCES:
        if key in shape:
            kept[key] = _prose_free(shape[key])
    if "members" in shape:  # a member may be NAMED "documentation": only the references lose prose
        kept["members"] = {name: _prose_free(reference) for name, reference in shape["members"].items()}
    return kept


def _operation(operation: Mapping[str, Any]) -> dict[str, Any]:
    kept = _prose_free(operation)
    for key in ("input", "output"):
        if key in operation:
            kept[key] = _prose_free(operation[key])
    if "errors" in operation:
        kept["errors"] = [_prose_free(error) for error in operation["errors"]]
    return kept


def subset(model: Mapping[str, Any], operations: Iterable[str]) -> dict[str, Any]:
    """``model`` with only ``operations`` (and endpoint discovery's), the shapes they reach and every
    modeled error; no documentation. Every other key as it is, every mapping in the model's order
    (members are serialized and parsed in that order)."""
    all_operations, shapes = model["operations"], model["shapes"]
    kept = set(operations) | {name for name, op in all_operations.items() if op.get("endpointoperation")}
    roots = [name for name, shape in shapes.items() if shape.get("exception")]
    for name in kept:
        roots.extend(_operation_shapes(all_operations[name]))
    reached = reachable_shapes(shapes, roots)
    result = dict(model)
    result["operations"] = {name: _operation(op) for name, op in all_operations.items() if name in kept}
    result["shapes"] = {name: _shape(shape) for name, shape in shapes.items() if name in reached}
    return result


def _encoded(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def layer_entries(loader: botocore.loaders.Loader | None = None,
                  operations: Mapping[str, Iterable[str]] = OPERATIONS) -> dict[str, bytes]:
    """``{layer path: content}``: ``<service>.json`` per service and ``manifest.json`` (per service,
    the API version and the SHA-256 of each model file the subset was made from)."""
    loader = loader or build_loader()
    entries: dict[str, bytes] = {}
    manifest: dict[str, Any] = {}
    for service in sorted(operations):
        declared = set(operations[service])
        try:
            version = loader.determine_latest_version(service, SERVICE_MODEL)
        except botocore.exceptions.DataNotFoundError:
            raise UserError(f"ops_alert_aws.api_operations: botocore {botocore.__version__} has no service "
                            f"{service}: use botocore's service name (like service-quotas)") from None
        model = loader.load_service_model(service, SERVICE_MODEL, version)
        missing = sorted(declared - set(model["operations"]))
        if missing:
            raise UserError(f"ops_alert_aws.api_operations: botocore {botocore.__version__}'s {service} model "
                            f"({version}) has no operation {', '.join(missing)}: use the model's name "
                            f"(like GetMetricData) or a botocore that has it")
        entries[f"{LAYER_DIRECTORY}/{service}.json"] = _encoded(subset(model, declared))
        manifest[service] = {"api_version": version, "files": model_files(loader, service, version)}
    entries[f"{LAYER_DIRECTORY}/{MANIFEST}"] = json.dumps(manifest, indent=1, sort_keys=True).encode()
    return entries
