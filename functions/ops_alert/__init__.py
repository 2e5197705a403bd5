"""Bedrock Ops Alert decision rules.

Plain Python with no AWS calls: every rule takes plain values and returns plain values, so each
can be tested from a table. The AWS side lives in ``ops_alert_aws``; the handlers in
``functions/<name>/`` glue the two together. This package ships in the shared Lambda layer.
"""
