"""bundle/service_models.py: each subset is the build botocore's model restricted to the declared
operations, less documentation; the manifest names the very files it was made from."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import botocore
import pytest
from botocore.model import OperationModel, ServiceModel, Shape

from bundle.artifacts import build_artifacts
from bundle.cli_errors import UserError
from bundle.service_models import LAYER_DIRECTORY, build_loader, layer_entries, subset
from ops_alert_aws.api_operations import OPERATIONS

DOCUMENTATION = {"documentation", "documentationUrl"}
SHIPPED = Path(botocore.__file__).parent / "data"  # the models as botocore ships them


@cache
def _entries() -> dict[str, bytes]:
    return layer_entries()


@cache
def _full(service: str) -> ServiceModel:
    loader = build_loader()
    return ServiceModel(loader.load_service_model(service, "service-2"), service_name=service)


def _subset(service: str) -> ServiceModel:
    return ServiceModel(json.loads(_entries()[f"{LAYER_DIRECTORY}/{service}.json"]), service_name=service)


def _prose_free(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in DOCUMENTATION}


def structure(shape: Shape | None, path: tuple[str, ...] = ()) -> Any:
    """What botocore serializes and parses by: every trait of the shape and of each member reference,
    members in order, recursively (a recursive shape once per path); documentation left out."""
    if shape is None:
        return None
    if shape.name in path:
        return ("recursion", shape.name)
    path = (*path, shape.name)
    own = {k: v for k, v in shape._shape_model.items() if k not in DOCUMENTATION | {"members", "member", "key", "value"}}
    described: dict[str, Any] = {"name": shape.name, "own": own, "serialization": shape.serialization,
                                 "metadata": _prose_free(shape.metadata)}
    if hasattr(shape, "members"):
        described["members"] = [(name, structure(member, path)) for name, member in shape.members.items()]
    for key in ("member", "key", "value"):
        if hasattr(shape, key):
            described[key] = structure(getattr(shape, key), path)
    return described


def operation_structure(operation: OperationModel) -> Any:
    return {"own": {k: v for k, v in operation._operation_model.items()
                    if k not in DOCUMENTATION | {"input", "output", "errors"}},
            "input": structure(operation.input_shape), "output": structure(operation.output_shape),
            "errors": [structure(e) for e in operation.error_shapes]}


DECLARED = sorted((service, op) for service, ops in OPERATIONS.items() for op in ops)


@pytest.mark.parametrize(("service", "operation"), DECLARED)
def test_each_declared_operation_is_the_full_models_less_documentation(service: str, operation: str) -> None:
    ours, full = _subset(service).operation_model(operation), _full(service).operation_model(operation)
    assert operation_structure(ours) == operation_structure(full)


@pytest.mark.parametrize("service", sorted(OPERATIONS))
def test_a_subset_keeps_everything_but_the_other_operations_and_documentation(service: str) -> None:
    ours, full = _subset(service), _full(service)
    discovery = [name for name in full.operation_names if full.operation_model(name).is_endpoint_discovery_operation]
    assert ours.operation_names == sorted(OPERATIONS[service] | set(discovery))
    # botocore's own endpoint discovery and every modeled error stay as in the full model, so
    # client.exceptions and the parsing of any error are the same.
    if full.endpoint_discovery_operation is None:
        assert ours.endpoint_discovery_operation is None
    else:
        assert operation_structure(ours.endpoint_discovery_operation) == \
            operation_structure(full.endpoint_discovery_operation)
    assert [(e.name, structure(e)) for e in ours.error_shapes] == [(e.name, structure(e)) for e in full.error_shapes]
    raw, full_raw = ours._service_description, full._service_description
    assert {k: v for k, v in raw.items() if k not in ("operations", "shapes")} == \
        {k: v for k, v in full_raw.items() if k not in ("operations", "shapes")}


def _documentation_keys(value: Any, in_members: bool = False) -> int:
    if isinstance(value, dict):
        return sum((not in_members and key in DOCUMENTATION) + _documentation_keys(item, key == "members")
                   for key, item in value.items())
    if isinstance(value, list):
        return sum(_documentation_keys(item) for item in value)
    return 0


@pytest.mark.parametrize("service", sorted(OPERATIONS))
def test_a_subset_has_no_documentation_and_is_a_fraction_of_the_model(service: str) -> None:
    text = _entries()[f"{LAYER_DIRECTORY}/{service}.json"]
    ours, full_model = json.loads(text), _full(service)._service_description
    # The operations' and shapes' prose goes (the service's one-paragraph introduction stays).
    assert _documentation_keys([ours["operations"], ours["shapes"]]) == 0
    assert _documentation_keys([full_model["operations"], full_model["shapes"]]) > 0
    full = json.dumps(full_model, separators=(",", ":")).encode()
    assert len(text) < len(full) / 2


SYNTHETIC = {
    "version": "2.0",
    "metadata": {"apiVersion": "2024-01-01", "protocol": "json", "serviceId": "Synthetic", "documentation": "kept?"},
    "clientContextParams": {"UseThing": {"type": "boolean", "documentation": "a parameter's own words"}},
    "documentation": "the service's introduction",
    "operations": {
        "Other": {"name": "Other", "input": {"shape": "Unused"}, "documentation": "not called"},
        "Used": {
            "name": "Used", "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "UsedInput", "documentation": "input prose"},
            "output": {"shape": "Text"},
            "errors": [{"shape": "Failed", "documentation": "when it fails"}],
            "documentation": "what Used does", "documentationUrl": "https://docs.example/Used",
        },
    },
    "shapes": {
        "UsedInput": {
            "type": "structure", "required": ["documentation"], "documentation": "the input",
            "members": {
                "documentation": {"shape": "Text", "documentation": "a member NAMED documentation"},
                "Tags": {"shape": "TagList", "locationName": "tag"},
            },
        },
        "TagList": {"type": "list", "member": {"shape": "Text", "locationName": "item", "documentation": "one tag"}},
        "Text": {"type": "string", "max": 10, "documentation": "text"},
        "Failed": {"type": "structure", "members": {}, "exception": True, "error": {"code": "Failed"}},
        "Unrelated": {"type": "structure", "members": {"Why": {"shape": "Reason"}}, "exception": True},
        "Reason": {"type": "string"},
        "Unused": {"type": "structure", "members": {"Flag": {"shape": "Bool"}}},
        "Bool": {"type": "boolean"},
    },
}


def test_documentation_goes_only_where_it_is_documentation() -> None:
    assert subset(SYNTHETIC, ["Used"]) == {
        "version": "2.0",
        "metadata": SYNTHETIC["metadata"],
        "clientContextParams": SYNTHETIC["clientContextParams"],
        "documentation": "the service's introduction",
        "operations": {"Used": {"name": "Used", "http": {"method": "POST", "requestUri": "/"},
                                "input": {"shape": "UsedInput"}, "output": {"shape": "Text"},
                                "errors": [{"shape": "Failed"}]}},
        "shapes": {
            "UsedInput": {"type": "structure", "required": ["documentation"],
                          "members": {"documentation": {"shape": "Text"},
                                      "Tags": {"shape": "TagList", "locationName": "tag"}}},
            "TagList": {"type": "list", "member": {"shape": "Text", "locationName": "item"}},
            "Text": {"type": "string", "max": 10},
            "Failed": {"type": "structure", "members": {}, "exception": True, "error": {"code": "Failed"}},
            # Every modeled error stays (client.exceptions), with what it reaches.
            "Unrelated": {"type": "structure", "members": {"Why": {"shape": "Reason"}}, "exception": True},
            "Reason": {"type": "string"},
        },
    }
    model = ServiceModel(subset(SYNTHETIC, ["Used"]))
    assert list(model.operation_model("Used").input_shape.members) == ["documentation", "Tags"]


def test_the_manifest_names_the_files_botocore_ships_with_their_sha256() -> None:
    manifest = json.loads(_entries()[f"{LAYER_DIRECTORY}/manifest.json"])
    assert sorted(manifest) == sorted(OPERATIONS)
    for service, made_from in manifest.items():
        assert made_from["api_version"] == _full(service).api_version
        shipped = SHIPPED / service / made_from["api_version"]
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in shipped.glob("service-2.*")}
        assert made_from["files"] == files, service
    assert "service-2.sdk-extras.json" in manifest["secretsmanager"]["files"]  # its extras: serviceId


def test_the_layer_carries_the_subsets_and_two_builds_are_identical() -> None:
    layer = next(a for a in build_artifacts(python=None) if a.name == "quota_utils_layer")
    names = zipfile.ZipFile(io.BytesIO(layer.content)).namelist()
    assert sorted(n for n in names if n.startswith(LAYER_DIRECTORY)) == sorted(_entries())
    assert layer_entries() == _entries()


@pytest.mark.parametrize(("operations", "said"), [
    ({"ssm": {"GetParameter", "GetParameterz", "PutParameters"}},
     "ops_alert_aws.api_operations: botocore .*'s ssm model \\(2014-11-06\\) has no operation GetParameterz, "
     "PutParameters: use the model's name"),
    ({"ssm": {"get_parameter"}}, "has no operation get_parameter"),
    ({"simple-systems-manager": {"GetParameter"}}, "has no service simple-systems-manager"),
])
def test_a_declaration_botocore_does_not_know_stops_the_build_in_one_line(
        operations: dict[str, set[str]], said: str) -> None:
    with pytest.raises(UserError, match=said) as raised:
        layer_entries(operations=operations)
    assert "\n" not in str(raised.value)
