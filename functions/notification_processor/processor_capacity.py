"""Capacity foresight for one alert: the forecast, the TPM-reservation advice, the dashboard link
and the graphs and data attached to the support case (issue 12).

Cost: one GetMetricData call for the forecast's 63 days at 5 minutes (processor_pipeline.read_history,
none beyond 124 profiles); GetServiceQuota at most once per quota code in one alert (QuotaReads):
the per-day token quota (when the model has one), and for the forecast the RPM and TPM quotas not
already read for the request (usually at most one); and,
only when a case is opened or appended to, two GetMetricWidgetImage calls and one
AddAttachmentsToSet. Nothing here fails the alert: a quota that cannot be read leaves the
forecast without that target, and a failed attachment is logged and named in the case text.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ops_alert.alarms import AlarmKind, QuotaKind
from ops_alert.content.model import AttachmentNote
from ops_alert.dashboard import DashboardSpec, dashboard_url, graph_image_request, lines_for
from ops_alert.forecast import CapacityOutlook, daily_csv
from ops_alert.forecast_history import FiveMinuteUsage, extended_outlook
from ops_alert.names import StackNames
from ops_alert.quotas import QuotaInfo, is_quota_code
from ops_alert.scenario import PerDayUsage, ThresholdsLike
from ops_alert.thresholds import threshold
from ops_alert.throttling import ReservationAdvice, reservation_advice
from ops_alert.usage import CombinedSeries, UsageStats
from ops_alert_aws import case_attachments
from ops_alert_aws.case_attachments import Attachments, CaseFile, GraphRequest
from ops_alert_aws.errors import describe
from ops_alert_aws.log import Logger
from ops_alert_aws.quota_catalogue import get_bedrock_quota

GRAPH_FILES = {"rpm": "rpm-14-days.png", "tpm": "tpm-14-days.png"}
CSV_FILE = "daily-usage.csv"


@dataclass(frozen=True)
class Capacity:
    outlook: CapacityOutlook | None
    reservation: ReservationAdvice | None
    quotas: Mapping[QuotaKind, float | None]


@dataclass(frozen=True)
class DailyQuota:
    """The per-day token quota and its threshold (TPM threshold percent of it); None: unknown."""

    info: QuotaInfo | None = None  # as read, so a per-day increase request need not read it again
    threshold: int | None = None

    @property
    def quota(self) -> float | None:
        return self.info.value if self.info else None


class QuotaReads:
    """The quotas one alert reads, by code: GetServiceQuota at most once each. A failure is
    remembered (None) like a value, so the scenario, the request and the forecast never ask again
    for a quota that just failed."""

    def __init__(self, log: Logger) -> None:
        self._log = log
        self._read: dict[str, QuotaInfo | None] = {}

    def read(self, code: str, what: str = "quota") -> QuotaInfo | None:
        """The quota ``code`` names; None for NA, and when it cannot be read: then logged (once),
        never failing the alert."""
        if not is_quota_code(code):
            return None
        if code not in self._read:
            self._read[code] = self._get(code, what)
        return self._read[code]

    def remembered(self, code: str) -> QuotaInfo | None:
        """The quota as read already (None: not read, NA or unreadable); never calls AWS."""
        return self._read.get(code)

    def _get(self, code: str, what: str) -> QuotaInfo | None:
        try:
            return get_bedrock_quota(code)
        except Exception as exc:  # noqa: BLE001 - a quota that cannot be read is left out of the alert
            self._log.warning(describe(exc, f"Reading {what} {code} (GetServiceQuota)") + ": left out of this alert")
            return None


def daily_quota(code: str, tpm_percent: str, reads: QuotaReads) -> DailyQuota:
    """The per-day token quota the quota calculator found (NA: none), one GetServiceQuota.

    Its threshold (TPM threshold percent of it, as the HighDailyTokenUsage alarm's) decides the
    scenario of a per-day alert and draws the forecast's per-day target.
    """
    info = reads.read(code, "the per-day token quota")
    if info is None:
        return DailyQuota()
    try:
        return DailyQuota(info, threshold(info.value, tpm_percent))
    except ValueError:  # no or a bad TPM_THRESHOLD_PERCENT: the quota alone is still worth showing
        return DailyQuota(info)


def per_day_usage(series: CombinedSeries, daily: DailyQuota) -> PerDayUsage:
    """The largest rolling 24-hour quota usage of the lookback against the per-day threshold."""
    peak, _ = series.tpm.peak_window_total()  # the rolling 24 hours
    return PerDayUsage(peak, daily.threshold)


def forecast_quotas(codes: Mapping[QuotaKind, str], reads: QuotaReads) -> dict[QuotaKind, float | None]:
    """The RPM and TPM quota values: those already read (or failed) for the request, the others read now."""
    values: dict[QuotaKind, float | None] = {}
    for kind in (QuotaKind.RPM, QuotaKind.TPM):
        info = reads.read(codes.get(kind, ""))
        values[kind] = info.value if info else None  # None: NA, or unreadable
    return values


def assess(
    series: CombinedSeries | None,
    usage: UsageStats | None,
    kinds: Sequence[AlarmKind],
    thresholds: ThresholdsLike | None,
    quotas: Mapping[QuotaKind, float | None],
    end: datetime,
    days: int,
    daily: DailyQuota | None = None,
    history: FiveMinuteUsage | str = "",
) -> Capacity:
    """The forecast from the usage already read (``history``: 63 days at 5 minutes, or why there is
    none), and the reservation advice (pure)."""
    tpm_quota = quotas.get(QuotaKind.TPM)
    outlook = None
    if series is not None:
        rpm_t = thresholds.rpm if thresholds else None
        tpm_t = thresholds.tpm if thresholds else None
        per_day = daily or DailyQuota()
        outlook = extended_outlook(series, history, end, days, (rpm_t, tpm_t, per_day.threshold),
                                   (quotas.get(QuotaKind.RPM), tpm_quota, per_day.quota))
    return Capacity(outlook, reservation_advice(kinds, usage, tpm_quota), quotas)


def stack_dashboard_url(names: StackNames, region: str) -> str:
    return dashboard_url(region, names.dashboard_name)


@dataclass(frozen=True)
class AttachmentPlan:
    """The graphs and data to attach; made into an attachment set only when a case text goes out."""

    graphs: tuple[GraphRequest, ...]
    files: tuple[CaseFile, ...]

    def make(self, log: Logger, upload: Callable[[Sequence[CaseFile]], str] = case_attachments.upload
             ) -> tuple[Attachments, AttachmentNote]:
        made = case_attachments.prepare(self.graphs, self.files, log, upload)
        return made, AttachmentNote(made.attached, made.missing)

    def for_follow_up(self) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """(graphs, files) as the follow-up message carries them (names and text)."""
        return (tuple((g.name, g.widget) for g in self.graphs),
                tuple((f.name, f.data.decode()) for f in self.files))

    @classmethod
    def from_follow_up(cls, graphs: Sequence[tuple[str, str]], files: Sequence[tuple[str, str]]) -> AttachmentPlan:
        return cls(tuple(GraphRequest(n, w) for n, w in graphs), tuple(CaseFile(n, t.encode()) for n, t in files))


def attachment_plan(
    capacity: Capacity,
    names: StackNames,
    region: str,
    dimensions: Sequence[str],
    thresholds: ThresholdsLike | None,
) -> AttachmentPlan | None:
    """14 days of RPM and TPM against threshold and quota as PNGs, and the daily CSV; None without usage."""
    outlook = capacity.outlook
    if outlook is None:
        return None  # no usage was read: there is nothing to draw
    spec = DashboardSpec(
        names=names, region=region, account="", partition="", dimensions=tuple(dimensions),
        lines={"rpm": lines_for(thresholds.rpm if thresholds else None, capacity.quotas.get(QuotaKind.RPM), "RPM"),
               "tpm": lines_for(thresholds.tpm if thresholds else None, capacity.quotas.get(QuotaKind.TPM), "TPM")},
    )
    graphs = tuple(GraphRequest(GRAPH_FILES[m], graph_image_request(spec, m)) for m in ("rpm", "tpm"))
    csv = CaseFile(CSV_FILE, daily_csv(outlook.rpm_days, outlook.tpm_days).encode())
    return AttachmentPlan(graphs, (csv,))
