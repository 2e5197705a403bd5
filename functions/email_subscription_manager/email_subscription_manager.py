"""Lambda entry point (behaviour lands with its issue)."""


def handler(event, context):
    raise NotImplementedError("email_subscription_manager")
