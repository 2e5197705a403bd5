"""Manifest-driven deployment of many Bedrock Ops Alert stacks / StackSet instances.

``python -m fleet plan|apply|status --manifest fleet.yaml``; see docs/FLEET.md.
"""
