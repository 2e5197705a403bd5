"""Graphs and data for the support engineer: usage PNGs (CloudWatch GetMetricWidgetImage) and a
CSV, uploaded as one attachment set (AWS Support AddAttachmentsToSet).

The AWS Support limits (SPEC §9): at most 3 attachments per set, 5 MB each, and the set expires
one hour after it is created, so a set is made right before the CreateCase or
AddCommunicationToCase that uses it. Nothing here raises: an attachment that cannot be made is
logged and reported as missing, and the case goes ahead without it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ops_alert_aws.clients import client, support
from ops_alert_aws.errors import describe
from ops_alert_aws.log import Logger

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class CaseFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class GraphRequest:
    name: str  # file name, e.g. "rpm-14-days.png"
    widget: str  # MetricWidget JSON (ops_alert.dashboard.graph_image_request)


@dataclass(frozen=True)
class Attachments:
    set_id: str | None  # None: nothing could be attached
    attached: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # file names that could not be made or uploaded


NONE = Attachments(None)


def render_graph(widget: str) -> bytes:
    """One PNG from CloudWatch (one GetMetricWidgetImage call)."""
    image = client("cloudwatch").get_metric_widget_image(MetricWidget=widget, OutputFormat="png")["MetricWidgetImage"]
    return bytes(image)


def upload(files: Sequence[CaseFile]) -> str:
    """A new attachment set holding ``files`` (one AddAttachmentsToSet call); its ID."""
    response = support().add_attachments_to_set(attachments=[{"fileName": f.name, "data": f.data} for f in files])
    return str(response["attachmentSetId"])


def prepare(graphs: Sequence[GraphRequest], data: Sequence[CaseFile], log: Logger,
            upload_set: Callable[[Sequence[CaseFile]], str] = upload) -> Attachments:
    """Render the graphs, then upload them with ``data`` as one set: ≤ len(graphs) + 1 calls.

    ``upload_set``: the support step's write seam (ops_alert_aws.support_writes; a drill's describes)."""
    files: list[CaseFile] = []
    missing: list[str] = []
    for graph in graphs:
        try:
            files.append(CaseFile(graph.name, render_graph(graph.widget)))
        except Exception as exc:  # noqa: BLE001 - a missing graph never blocks the case
            log.warning(describe(exc, f"Rendering {graph.name} (CloudWatch GetMetricWidgetImage)")
                        + ": the case goes without it")
            missing.append(graph.name)
    files.extend(data)
    fitting: list[CaseFile] = []
    for item in files:
        if len(item.data) > MAX_ATTACHMENT_BYTES or len(fitting) >= MAX_ATTACHMENTS:
            log.warning(f"{item.name} ({len(item.data):,} bytes) does not fit the attachment set's limits "
                        f"({MAX_ATTACHMENTS} files of 5 MB): not attached")
            missing.append(item.name)
        else:
            fitting.append(item)
    if not fitting:
        return Attachments(None, (), tuple(missing))
    try:
        set_id = upload_set(fitting)
    except Exception as exc:  # noqa: BLE001 - see module docstring
        log.warning(describe(exc, "Uploading the case attachments (AWS Support AddAttachmentsToSet)")
                    + ": the case goes without them")
        return Attachments(None, (), tuple(missing + [f.name for f in fitting]))
    return Attachments(set_id, tuple(f.name for f in fitting), tuple(missing))
