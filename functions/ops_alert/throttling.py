"""Throttling at low measured usage: the TPM reservation, explained (SPEC §9).

Bedrock reserves a request's tokens when it starts — input tokens + cache tokens + ``maxTokens``
— and settles the difference after it ends. A client that sends ``maxTokens`` far above what the
model really writes is throttled while CloudWatch shows little usage, and a quota increase does
not fix that: a ``maxTokens`` near the real output size does. So when throttles or client errors
fire while the measured TPM is well below the quota, the case and the e-mail say so, with the
measured tokens per request; the increase stays reference-only (the scenario is ``low_usage``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ops_alert.alarms import AlarmKind
from ops_alert.usage import UsageStats

# Alarms whose cause the metric cannot tell: a real quota limit, or the reservation.
RESERVATION_SIGNALS = frozenset({"Throttles", "ClientErrors"})
# "Well below": the measured peak used less than half the quota. Above that, bursts within the
# minute can explain throttling on their own.
WELL_BELOW_FRACTION = 0.5
# Suggested maxTokens: the measured average output with room for longer answers, rounded up.
MAX_TOKENS_HEADROOM = 2.0
MAX_TOKENS_ROUNDING = 256


@dataclass(frozen=True)
class ReservationAdvice:
    peak_tpm: float
    tpm_quota: float
    avg_input_tokens: float
    avg_output_tokens: float
    suggested_max_tokens: int

    @property
    def peak_share(self) -> float:
        return self.peak_tpm / self.tpm_quota


def reservation_advice(
    triggered: Sequence[AlarmKind], usage: UsageStats | None, tpm_quota: float | None
) -> ReservationAdvice | None:
    """The advice, when throttles or client errors fired with peak TPM under half the quota; else None."""
    if not any(k.key in RESERVATION_SIGNALS for k in triggered):
        return None
    if usage is None or not tpm_quota or tpm_quota <= 0:
        return None  # without the measured usage and the quota there is no comparison to make
    if usage.peak_tpm >= WELL_BELOW_FRACTION * tpm_quota:
        return None
    suggested = usage.avg_output_tokens_per_request * MAX_TOKENS_HEADROOM
    rounded = max(MAX_TOKENS_ROUNDING, -(-int(suggested) // MAX_TOKENS_ROUNDING) * MAX_TOKENS_ROUNDING)
    return ReservationAdvice(
        peak_tpm=usage.peak_tpm,
        tpm_quota=tpm_quota,
        avg_input_tokens=usage.avg_input_tokens_per_request,
        avg_output_tokens=usage.avg_output_tokens_per_request,
        suggested_max_tokens=rounded,
    )
