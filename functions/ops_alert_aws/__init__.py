"""Thin AWS adapters of Bedrock Ops Alert: one module per concern, named for what it fetches or does.

Each adapter turns AWS responses into the plain values of ``ops_alert`` and back; no decision rule
lives here. Clients come from ``ops_alert_aws.clients`` (one per service and region per container,
adaptive retries).
"""
