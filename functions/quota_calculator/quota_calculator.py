"""Lambda entry point (behaviour lands with its issue)."""


def handler(event, context):
    raise NotImplementedError("quota_calculator")
