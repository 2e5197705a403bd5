"""The sections both the case and the e-mail carry, worded for their reader.

The case speaks to the AWS support engineer about "our model"; the e-mail to the SRE team about
"your model". The facts are the same because the same builders render them.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence

from ops_alert.alarms import AlarmKind, Severity
from ops_alert.content.layout import NOT_NAMED, Section, num, pairs, table, when, wrap
from ops_alert.content.model import AlertContext, usage_rows, uses_global_inference
from ops_alert.forecast import HORIZON_DAYS, Forecast, Outlook, Projection, describe_history
from ops_alert.profiles import MAX_AGGREGATED_PROFILES
from ops_alert.scenario import Scenario
from ops_alert.usage import DEFAULT_LOOKBACK_DAYS, TPM_FROM_QUOTA_USAGE


class Audience(enum.Enum):
    """Who reads the text: (possessive, subject pronoun)."""

    CASE = ("our", "We")  # the AWS support engineer, about our model
    EMAIL = ("your", "You")  # the SRE team, about their model

    @property
    def our(self) -> str:
        return self.value[0]

    @property
    def we(self) -> str:
        return self.value[1]


def alarm_list(ctx: AlertContext) -> str:
    return ", ".join(ctx.triggering_alarms) if ctx.triggering_alarms else NOT_NAMED


def _peak_vs_threshold(peak: float, threshold: int | None) -> str:
    if threshold is None:
        return "no quota"
    if threshold == 0:
        return "n/a"
    return f"{round(peak * 100 / threshold)} %"


def _usage_figures(ctx: AlertContext) -> str:
    u, t = ctx.usage, ctx.thresholds
    if u is None or t is None:
        return "usage or thresholds could not be read"
    parts = []
    for row in usage_rows(ctx):
        limit = "no quota" if row.threshold is None else num(row.threshold)
        parts.append(f"peak {row.label} {num(row.peak)} vs {row.threshold_label} {limit}")
    return "; ".join(parts)


def _lookback_days(ctx: AlertContext) -> int:
    return ctx.usage.lookback_days if ctx.usage else DEFAULT_LOOKBACK_DAYS


def summary(ctx: AlertContext, audience: Audience) -> list[str]:
    model = f"{audience.our.capitalize()} model {ctx.model_name} ({ctx.model_id}) in {ctx.region}"
    fired = f"raised {ctx.severity.value} alarm(s) {alarm_list(ctx)}"
    days = _lookback_days(ctx)
    if ctx.scenario is Scenario.HIGH_USAGE:
        text = (
            f"{model} {fired}. Measured usage over the last {days} days reached the alarm "
            f"threshold ({_usage_figures(ctx)}): the current quota leaves too little headroom."
        )
        text += " A quota increase is requested." if ctx.quota_requests else ""
    elif ctx.scenario is Scenario.NEW_MODEL:
        why = (
            f"has no usage history over the last {days} days"
            if ctx.usage is not None and ctx.thresholds is not None
            else "has usage that could not be read"
        )
        text = f"{model} {fired} and {why}, so it is treated as a new model being launched."
        text += " A quota increase is requested as headroom for the launch." if ctx.quota_requests else ""
    elif ctx.scenario is Scenario.LOW_USAGE:
        text = (
            f"{model} {fired} while measured peaks stayed below the alarm thresholds "
            f"({_usage_figures(ctx)}). The cause should be investigated first; any increase "
            "shown below is for reference only and has NOT been submitted."
        )
    else:
        text = (
            f"{model} {fired}. These alarms point to service-side errors or latency, not to a "
            "quota: an investigation is requested, no quota change."
        )
    if audience is Audience.CASE and ctx.scenario in (Scenario.LOW_USAGE, Scenario.NON_QUOTA):
        text += f" {audience.we} would appreciate your help in finding the cause."
    return wrap(text)


def details(ctx: AlertContext) -> list[str]:
    items = [
        ("Customer", ctx.customer),
        ("Model name", ctx.model_name),
        ("Model ID", ctx.model_id),
    ]
    if ctx.application_profile_id:
        items.append(("Application profile ID", ctx.application_profile_id))
    items += [
        ("Region", ctx.region),
        ("Time", when(ctx.time)),
        ("Composite alarm", ctx.composite_alarm),
        ("Case category", ctx.category.value),
        ("Scenario", ctx.scenario.value),
    ]
    lines = pairs(items)
    lines.append("  Triggering alarm(s):")
    lines += [f"    - {name}" for name in ctx.triggering_alarms] or [f"    - {NOT_NAMED}"]
    return lines


def impact_level(kinds: Sequence[AlarmKind], severity: Severity) -> str:
    """Plain-words impact from the most severe layer that fired."""
    layer = min((k.layer for k in kinds), default=1 if severity is Severity.CRITICAL else 2)
    if layer == 1:
        return "High - requests are failing or being throttled; end users are likely affected"
    if layer == 2:
        return "Medium - usage or latency crossed its threshold; failures are likely if it keeps growing"
    return "Low - unusual usage or latency pattern; no failures detected yet"


def impact(ctx: AlertContext) -> list[str]:
    level = impact_level(ctx.triggered_kinds, ctx.severity)
    return pairs([("Severity", ctx.severity.value), ("Impact level", level)])


_LISTED_PROFILES = 20  # IDs named in full; the rest are counted (a case holds 8,000 characters)


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_LISTED_PROFILES])
    return shown + (f" and {len(ids) - _LISTED_PROFILES} more" if len(ids) > _LISTED_PROFILES else "")


def usage_profiles(ctx: AlertContext) -> list[str]:
    """Which application profiles the usage combines, and which of them the alarms cannot watch."""
    siblings = ctx.usage_profiles
    if siblings is None or siblings.total < 2:
        return []
    lines = wrap(
        f"Combined minute by minute over the {siblings.total} application profiles that share the "
        f"model list and so draw on the same quota: {_ids(siblings.profile_ids)}.", "  ")
    if siblings.truncated:
        lines += wrap(
            f"The HighInvocationRate and HighTPMQuotaUsage alarms watch only {MAX_AGGREGATED_PROFILES} of "
            f"them (CloudWatch metric math adds up at most {MAX_AGGREGATED_PROFILES} metrics): the traffic of "
            f"{_ids(siblings.outside_alarms)} counts in these figures, but not in those alarms.", "  ")
    return lines


def usage(ctx: AlertContext) -> list[str]:
    u = ctx.usage
    if u is None:
        return ["  Usage could not be read from CloudWatch; it was not used in this decision.",
                *usage_profiles(ctx)]
    rows = [
        ["Metric", "Steady", "Peak", "Peak at"],
        ["Requests per minute (RPM)", num(round(u.steady_rpm)), num(u.peak_rpm), when(u.peak_rpm_at)],
        ["Tokens per minute (TPM)", num(round(u.steady_tpm)), num(u.peak_tpm), when(u.peak_tpm_at)],
        ["Avg input tokens / request", num(round(u.avg_input_tokens_per_request)), "", ""],
        ["Avg output tokens / request", num(round(u.avg_output_tokens_per_request)), "", ""],
    ]
    source = (
        "EstimatedTPMQuotaUsage (what the TPM quota and the HighTPMQuotaUsage alarm measure)"
        if u.tpm_source == TPM_FROM_QUOTA_USAGE
        else f"{u.tpm_source} (same minute)"
    )
    return [
        f"  Last {u.lookback_days} days, 1-minute resolution; steady = mean over the "
        f"{num(u.minutes_with_data)} minutes with traffic.",
        *table(rows, right=(1, 2)),
        f"  TPM source: {source}",
        *usage_profiles(ctx),
    ]


def thresholds(ctx: AlertContext) -> list[str]:
    t = ctx.thresholds
    if t is None:
        return ["  Alarm thresholds could not be read from SSM Parameter Store."]
    u = ctx.usage
    rows = [["Alarm threshold", "Value", "Peak / threshold"]]
    peaks = (u.peak_rpm, u.peak_tpm) if u else (None, None)
    for label, value, peak in (("RPM", t.rpm, peaks[0]), ("TPM", t.tpm, peaks[1])):
        shown = "none (no quota)" if value is None else num(value)
        rows.append([label, shown, "n/a" if peak is None else _peak_vs_threshold(peak, value)])
    day = ctx.per_day
    if day is not None and day.threshold is not None:
        rows.append(["Tokens / 24 h", num(day.threshold), _peak_vs_threshold(day.peak_24h_tokens, day.threshold)])
    return table(rows, right=(1, 2))


def residency_note(geo_residency: str, model_id: str) -> str:
    """What may be proposed about cross-region inference, given the residency requirement."""
    is_global = uses_global_inference(model_id)
    required = geo_residency.strip().lower()
    if required == "yes":
        if is_global:
            return (
                "Data residency is required, but the model ID uses global cross-region inference, "
                "which can route requests outside the geography: please review."
            )
        return (
            "Data residency is required: global cross-region inference cannot be proposed; only "
            "in-region or in-geography (geo cross-region) capacity is acceptable."
        )
    if is_global:
        return "The model already uses global cross-region inference."
    if required == "no":
        return (
            "No data residency requirement: global cross-region inference may be proposed for "
            "more throughput."
        )
    return (
        "Data residency requirement not stated: confirm it before proposing global cross-region inference."
    )


def model_config(ctx: AlertContext) -> list[str]:
    return pairs(
        [
            ("Input modalities", ctx.input_modalities),
            ("Data residency required", ctx.geo_residency),
        ]
    ) + wrap(residency_note(ctx.geo_residency, ctx.model_id), "  ")


def _justification(ctx: AlertContext, audience: Audience) -> str:
    days = _lookback_days(ctx)
    if ctx.scenario is Scenario.HIGH_USAGE:
        return (
            f"Justification: measured {days}-day peaks reached the alarm thresholds "
            f"({_usage_figures(ctx)}); {audience.our} production traffic needs headroom above the "
            "current quota."
        )
    if ctx.scenario is Scenario.NEW_MODEL:
        return (
            f"Justification: {audience.our} model has no usage history yet (or it could not be read); the "
            "increase provides headroom for the launch."
        )
    return (
        "Investigate first: measured peaks stayed below the alarm thresholds "
        f"({_usage_figures(ctx)}). The values below are for reference only; no increase was submitted."
    )


def quotas(ctx: AlertContext, audience: Audience) -> list[str]:
    lines = wrap(_justification(ctx, audience), "  ")
    if not ctx.quota_requests:
        return [*lines, "  No quota qualifies (increase percentage 0, quota not available, or nothing to raise)."]
    rows = [["Quota", "Code", "Current", "Requested", "Increase"]]
    for p in ctx.quota_requests:
        rows.append([p.kind.value, p.code, num(p.current), num(p.requested), f"+{p.percent} %"])
    # Quota names run to ~100 characters: listed under the table so the columns stay narrow.
    names = [f"  {p.kind.value} quota name: {p.name}" for p in ctx.quota_requests]
    return lines + table(rows, right=(2, 3, 4)) + names + _one_request(ctx, audience)


def _one_request(ctx: AlertContext, audience: Audience) -> list[str]:
    """For the support engineer: why one case carries several quotas (AWS's Bedrock process).

    The e-mail says it where it reports what was submitted (``content.email``).
    """
    submitting = ctx.scenario in (Scenario.HIGH_USAGE, Scenario.NEW_MODEL)
    if audience is not Audience.CASE or not submitting or len(ctx.quota_requests) < 2:
        return []
    return wrap(
        "Please raise each quota above to its requested value on this one case: AWS's Bedrock "
        "quota-increase process takes one request, on the model's tokens-per-minute quota, for any "
        "combination of its quotas.", "  ")


def _when(p: Projection) -> str:
    if p.outlook is Outlook.NO_TARGET:
        return "no quota"
    if p.outlook is Outlook.REACHED:
        return "reached"
    if p.outlook is Outlook.IN_DAYS:
        return f"in ~{p.days} day{'s' if p.days != 1 else ''}"
    if p.outlook is Outlook.BEYOND_HORIZON:
        return f"> {HORIZON_DAYS} days"
    if p.outlook is Outlook.TOO_LITTLE_HISTORY:
        return "too little history"
    return "not at current trend"


def _trend(fc: Forecast) -> tuple[str, str]:
    t = fc.trend
    if t is None:
        return f"({fc.days_of_history} day(s) of data)", "n/a"
    level = t.latest_fitted
    relative = f" ({t.slope_per_day / level:+.1%})" if level > 0 else ""
    return f"{t.slope_per_day:+,.0f}{relative} {t.direction.value}", f"{t.agreement:.0%}"


def forecast(ctx: AlertContext, audience: Audience) -> list[str]:
    """When the daily peaks reach the alarm threshold and the quota, at the current trend."""
    o = ctx.outlook
    if o is None:
        return []
    rows = [["", "Latest day", "Trend / day", "Agree", "Threshold", "Quota"]]
    for fc in o.forecasts:
        trend, confidence = _trend(fc)
        rows.append([fc.measure, num(round(fc.latest)), trend, confidence, _when(fc.threshold), _when(fc.quota)])
    lines = [
        *wrap("When the daily peak reaches the alarm threshold and the quota at the current trend: Theil\u2013Sen "
              "over 24-hour periods ending at the alarm time; Agree = share of day pairs that move with the "
              "trend. Flat, falling or unclear usage gets no date.", "  "),
        *wrap(f"History: {describe_history(o)}.", "  "),
        *table(rows, right=(1,)),
    ]
    daily = o.daily_tokens
    if daily.quota.target:
        share = f" ({o.rolling_24h_tokens * 100 / daily.quota.target:.0f} % of the per-day quota {num(daily.quota.target)})"
    else:
        share = " (per-day token quota not known)"
    lines.append(f"  Rolling 24-hour tokens: {num(round(o.rolling_24h_tokens))}{share}.")
    if audience is Audience.EMAIL and any(fc.threshold.outlook is Outlook.IN_DAYS for fc in o.forecasts):
        lines += wrap("Plan capacity (or an increase request) before the earliest date; dates move as the "
                      "trend changes.", "  ")
    return lines


def reservation(ctx: AlertContext, audience: Audience) -> list[str]:
    """Throttling at low measured usage: the TPM reservation, and what to change before asking for quota."""
    a = ctx.reservation
    if a is None:
        return []
    text = (
        f"Throttles or client errors fired while the measured peak TPM ({num(round(a.peak_tpm))}) used only "
        f"{a.peak_share:.0%} of the TPM quota ({num(a.tpm_quota)}). Amazon Bedrock reserves tokens when a "
        "request starts - input tokens + cache tokens + maxTokens - and settles them when it ends, so "
        "requests with a maxTokens far above the real output are throttled although little is used. "
        f"Measured per request: {num(round(a.avg_input_tokens))} input and {num(round(a.avg_output_tokens))} "
        "output tokens on average (InputTokenCount / OutputTokenCount / Invocations)."
    )
    if audience is Audience.EMAIL:
        advice = (
            f"Set maxTokens near the real output size (for example {num(a.suggested_max_tokens)}, twice the "
            "measured average) before asking for more quota: a quota increase does not fix an oversized "
            "reservation. The increase below stays for reference only."
        )
    else:
        advice = (
            f"We are lowering maxTokens towards the real output size (about {num(a.suggested_max_tokens)}) "
            "before asking for more quota; the increase below is for reference only. Please confirm whether "
            "the reservation explains the throttling."
        )
    return wrap(text, "  ") + wrap(advice, "  ")


def shared_sections(ctx: AlertContext, audience: Audience = Audience.CASE) -> list[Section]:
    """The sections after the summary that read the same in the case and in the e-mail."""
    sections = [
        Section("Alert details", tuple(details(ctx))),
        Section("Impact assessment", tuple(impact(ctx))),
        Section("Use case", (), use_case=ctx.use_case),
        Section("Usage", tuple(usage(ctx))),
        Section("Alarm thresholds", tuple(thresholds(ctx))),
    ]
    if ctx.outlook is not None:
        sections.append(Section("Capacity forecast", tuple(forecast(ctx, audience))))
    if ctx.reservation is not None:
        sections.append(Section("Throttling at low measured usage: the TPM reservation",
                                tuple(reservation(ctx, audience))))
    sections.append(Section("Model configuration", tuple(model_config(ctx))))
    if ctx.dashboard_url:
        sections.append(Section("Dashboard", (f"  {ctx.dashboard_url}",)))
    return sections


def reason_sections(reason: str) -> list[Section]:
    """The alarm's state reason, if there is one: optional, the first thing dropped when too long."""
    text = reason.strip()
    return [Section("Alarm state reason", tuple(wrap(text, "  ")), optional=True)] if text else []
