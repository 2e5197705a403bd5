"""Layer 2 thresholds, quota increases and their stored form (SPEC §3, §4.1, §4.4 step 5)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from ops_alert.thresholds import (
    NEVER_FIRES_THRESHOLD,
    Quotas,
    Thresholds,
    alarm_threshold,
    check_percent,
    compute_thresholds,
    increase,
    parse_threshold,
    render_threshold,
    threshold,
)


@pytest.mark.parametrize(
    ("quota", "percent", "expected"),
    [
        (10_000.0, 80, 8_000),  # SPEC §3 example
        (6_250_000.0, 80, 5_000_000),  # SPEC §3 example: must be exact, not 4,999,999
        (6_250_000, 80.0, 5_000_000),
        (Decimal("6250000"), Decimal("80"), 5_000_000),
        ("10000", "80", 8_000),  # custom-resource properties arrive as strings
        (10_000.0, 100, 10_000),
        (10_000.0, 1, 100),
        (999.0, 80, 799),  # 799.2 floors
        (1.0, 50, 0),  # a tiny quota gives 0, not a negative or rounded-up value
        (0.0, 80, 0),
        (200.0, 33.3, 66),  # 66.6 floors
        (1_000.0, 33.3, 333),  # 33.3 is taken as written: its binary value 33.29999… would give 332
        (100.0, 0.1 * 3 * 10, 3),  # 3.0000000000000004 % of 100 is still 3
        (2_000_000_000_000.0, 80, 1_600_000_000_000),
        (None, 80, None),  # no quota: no threshold
    ],
    ids=[
        "rpm-example",
        "tpm-example-exact",
        "int-quota",
        "decimals",
        "strings",
        "100-percent",
        "1-percent",
        "floors-fraction",
        "tiny-quota",
        "zero-quota",
        "decimal-percent",
        "decimal-percent-exact",
        "float-noise-percent",
        "huge-quota",
        "no-quota",
    ],
)
def test_threshold_is_floor_of_quota_times_percent(quota, percent, expected):
    assert threshold(quota, percent) == expected


@pytest.mark.parametrize(
    ("quota", "percent", "message"),
    [
        (10_000.0, 0, "between 1 and 100"),
        (10_000.0, 101, "between 1 and 100"),
        (10_000.0, -5, "between 1 and 100"),
        (10_000.0, 0.5, "between 1 and 100"),
        (None, 0, "between 1 and 100"),  # the percent is validated even without a quota
        (10_000.0, "eighty", "must be a number"),
        (10_000.0, float("nan"), "finite"),
        (10_000.0, True, "must be a number"),
        (10_000.0, [80], "must be a number"),
        (-1.0, 80, "must not be negative"),
        (float("inf"), 80, "finite"),
        ("lots", 80, "must be a number"),
    ],
    ids=[
        "percent-0",
        "percent-101",
        "percent-negative",
        "percent-below-1",
        "percent-checked-without-quota",
        "percent-garbage",
        "percent-nan",
        "percent-bool",
        "percent-list",
        "quota-negative",
        "quota-infinite",
        "quota-garbage",
    ],
)
def test_threshold_rejects_bad_input(quota, percent, message):
    with pytest.raises(ValueError, match=message):
        threshold(quota, percent)


def test_check_percent_names_the_field():
    with pytest.raises(ValueError, match="RequestsPerMinuteThresholdPercent must be between 1 and 100"):
        check_percent("150", "RequestsPerMinuteThresholdPercent")
    assert check_percent(" 80 ") == Decimal(80)


@pytest.mark.parametrize(
    ("quotas", "rpm_percent", "tpm_percent", "expected", "alarm_values"),
    [
        (Quotas(10_000.0, 6_250_000.0), 80, 80, Thresholds(8_000, 5_000_000), (8_000, 5_000_000)),
        (Quotas(10_000.0, 6_250_000.0), 50, 90, Thresholds(5_000, 5_625_000), (5_000, 5_625_000)),
        (Quotas(None, 6_250_000.0), 80, 80, Thresholds(None, 5_000_000), (NEVER_FIRES_THRESHOLD, 5_000_000)),
        (Quotas(10_000.0, None), 80, 80, Thresholds(8_000, None), (8_000, NEVER_FIRES_THRESHOLD)),
    ],
    ids=["both-quotas", "separate-percents", "no-rpm-quota", "no-tpm-quota"],
)
def test_compute_thresholds_for_quotas(quotas, rpm_percent, tpm_percent, expected, alarm_values):
    result = compute_thresholds(quotas, rpm_percent, tpm_percent)
    assert result == expected
    assert result.alarm_values() == alarm_values


def test_never_fires_threshold_is_unreachable_and_exact_as_a_double():
    # CloudWatch compares "> threshold" on doubles: the value must survive the round trip exactly
    # and exceed any per-minute count, even ten profiles at the largest quotas Bedrock grants.
    assert float(NEVER_FIRES_THRESHOLD) == NEVER_FIRES_THRESHOLD
    assert NEVER_FIRES_THRESHOLD > 10 * 10_000_000_000
    assert alarm_threshold(None) == NEVER_FIRES_THRESHOLD
    assert alarm_threshold(8_000) == 8_000


@pytest.mark.parametrize(
    ("current", "percent", "expected"),
    [
        (10_000.0, 25, 12_500),
        (6_250_000.0, 25, 7_812_500),
        (6_250_000.0, 100, 12_500_000),
        (10_000.0, 0, 10_000),
        (333.0, 50, 499),  # 499.5 floors
        (1.0, 25, 1),  # floors back to the current value: the caller must notice
        (10_000, "75", 17_500),
        (10_000.0, 12.5, 11_250),
        (0.0, 25, 0),
    ],
    ids=["rpm-25", "tpm-25", "double", "zero-percent", "floors", "tiny", "string-percent", "fractional-percent", "zero"],
)
def test_increase_is_floor_of_current_times_one_plus_percent(current, percent, expected):
    assert increase(current, percent) == expected


@pytest.mark.parametrize(
    ("current", "percent", "message"),
    [
        (10_000.0, -25, "increase percent must not be negative"),
        (-1.0, 25, "current quota value must not be negative"),
        (10_000.0, "x", "increase percent must be a number"),
        (None, 25, "current quota value must be a number"),
    ],
    ids=["negative-percent", "negative-current", "garbage-percent", "missing-current"],
)
def test_increase_rejects_bad_input(current, percent, message):
    with pytest.raises(ValueError, match=message):
        increase(current, percent)


@pytest.mark.parametrize(
    ("thresholds", "rendered"),
    [
        (Thresholds(8_000, 5_000_000), ("8000", "5000000")),
        (Thresholds(None, 5_000_000), ("1000000000000000", "5000000")),
        (Thresholds(0, None), ("0", "1000000000000000")),
    ],
    ids=["both", "no-rpm-quota", "zero-and-no-tpm-quota"],
)
def test_render_and_parse_round_trip(thresholds, rendered):
    assert thresholds.render() == rendered
    assert "e" not in "".join(rendered).lower()  # CloudFormation passes the string to a double field
    assert Thresholds.parse(*rendered) == thresholds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8000", 8_000),
        ("8000.0", 8_000),
        (" 8000 \n", 8_000),
        ("8000.9", 8_000),
        ("1E+4", 10_000),
        ("0", 0),
        ("1000000000000000", None),
        ("1e15", None),
        ("2000000000000000", None),
        ("NA", None),
        ("n/a", None),
        ("None", None),
    ],
    ids=[
        "integer",
        "float-spelling",
        "whitespace",
        "fraction-floors",
        "exponent",
        "zero",
        "never-fires",
        "never-fires-exponent",
        "above-never-fires",
        "na",
        "n/a",
        "none-word",
    ],
)
def test_parse_threshold_is_tolerant(text, expected):
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "RPM threshold must be a number"),
        ("eight thousand", "RPM threshold must be a number"),
        ("-5", "RPM threshold must not be negative"),
        ("nan", "RPM threshold must be a finite number"),
        ("Infinity", "RPM threshold must be a finite number"),
        (None, "RPM threshold must be a string"),
        (8000, "RPM threshold must be a string"),
    ],
    ids=["empty", "words", "negative", "nan", "infinity", "none", "int"],
)
def test_parse_threshold_rejects_garbage_with_the_field_name(text, message):
    with pytest.raises(ValueError, match=message):
        parse_threshold(text, "RPM threshold")


def test_thresholds_parse_names_the_bad_field():
    with pytest.raises(ValueError, match="TPM threshold"):
        Thresholds.parse("8000", "oops")


def test_render_threshold_of_a_missing_quota_is_the_never_fire_value():
    assert render_threshold(None) == str(NEVER_FIRES_THRESHOLD)
    assert render_threshold(5_000_000) == "5000000"
