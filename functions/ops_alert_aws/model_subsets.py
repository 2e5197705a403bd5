"""The layer's small service models, served to botocore only where they are exact.

Creating a client json-decodes its service's whole model (ssm's alone: 13 ms of a python3.14 cold
start). The layer carries, per service the functions call, that model restricted to those operations
(ops_alert_aws.api_operations) and without documentation (bundle/service_models.py), with a manifest
of the model files each was made from. The Lambda runtime's botocore is not the build's: a subset is
served only when the runtime's own files for that service and API version are byte for byte the
ones it was made from (SHA-256 of the files as shipped, compressed, checked on the service's first
client); any other service, or a differing file, gets botocore's full model as before.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from botocore.exceptions import DataNotFoundError

SERVICE_MODEL = "service-2"
MANIFEST = "manifest.json"
# The file names botocore's JSONFileLoader tries, in its order, in each search path (botocore.loaders).
_SUFFIXES = (".json", ".json.gz")


def model_files(loader: Any, service: str, api_version: str) -> dict[str, str]:
    """File name → SHA-256 of each file ``loader`` reads for the service's model: ``service-2`` and its
    extras (``service-2.sdk-extras``), each the first found along the loader's search paths."""
    names = [SERVICE_MODEL, *(f"{SERVICE_MODEL}.{extras}-extras" for extras in loader.extras_types)]
    found: dict[str, str] = {}
    for name in names:
        path = _first_file(loader.search_paths, os.path.join(service, api_version, name))
        if path is not None:
            with open(path, "rb") as shipped:
                found[os.path.basename(path)] = hashlib.sha256(shipped.read()).hexdigest()
    return found


def _first_file(search_paths: list[str], name: str) -> str | None:
    for directory in search_paths:
        if os.path.isdir(directory):
            for suffix in _SUFFIXES:
                path = os.path.join(directory, name + suffix)
                if os.path.isfile(path):
                    return path
    return None


class SubsetLoader:
    """A Session's data loader: botocore's own, except that a service model (``service-2``) comes
    from ``directory`` when the manifest there says it was made from the very files ``loader`` has."""

    def __init__(self, loader: Any, directory: str) -> None:
        self._loader = loader
        self._directory = directory
        self._manifest: dict[str, Any] | None = None
        self._subsets: dict[tuple[str, str | None], dict[str, Any] | None] = {}

    def __getattr__(self, name: str) -> Any:  # paginators, waiters, endpoint rules: botocore's loader
        return getattr(self._loader, name)

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        if type_name == SERVICE_MODEL:
            key = (service_name, api_version)
            if key not in self._subsets:
                self._subsets[key] = self._exact_subset(service_name, api_version)
            subset = self._subsets[key]
            if subset is not None:
                return subset
        return self._loader.load_service_model(service_name, type_name, api_version)

    def _exact_subset(self, service: str, api_version: str | None) -> dict[str, Any] | None:
        made_from = self._made_from().get(service)
        if made_from is None:
            return None
        try:
            version = api_version or self._loader.determine_latest_version(service, SERVICE_MODEL)
        except DataNotFoundError:
            return None  # a service this botocore lacks: its own load_service_model says so
        if version != made_from["api_version"] or model_files(self._loader, service, version) != made_from["files"]:
            return None
        with open(os.path.join(self._directory, f"{service}.json"), "rb") as subset:
            found: dict[str, Any] = json.load(subset)
            return found

    def _made_from(self) -> dict[str, Any]:
        if self._manifest is None:
            with open(os.path.join(self._directory, MANIFEST), "rb") as manifest:
                self._manifest = json.load(manifest)
        return self._manifest
