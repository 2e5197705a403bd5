"""The Bedrock Ops Alert CloudFormation template, built with troposphere.

``build_template(keys)`` composes one module per concern and does nothing else; ``keys`` maps each
artifact name (``quota_calculator``, …, ``quota_utils_layer``) to its S3 key. Each module's ``add_*``
returns what it creates and takes what it uses (docs/ARCHITECTURE.md, "Template construction").
"""
from __future__ import annotations

from collections.abc import Mapping

from troposphere import Template

import bundle.lambda_code  # noqa: F401 - functions/ on sys.path before any module below imports ops_alert
from templates.alarms import add_alarms
from templates.configuration import add_configuration
from templates.dashboard import add_dashboard
from templates.functions import add_functions
from templates.iam import add_iam
from templates.notifications import add_subscriptions, add_topics
from templates.outputs import add_outputs
from templates.parameters import add_parameters
from templates.resilience import add_resilience
from templates.security import add_security
from templates.stores import add_stores

DESCRIPTION = (
    "Bedrock Ops Alert: three-layer CloudWatch monitoring of one Amazon Bedrock model, usage-validated "
    "quota requests and support cases, SRE e-mail, and thresholds that follow the quotas."
)


def build_template(keys: Mapping[str, str]) -> Template:
    t = Template(Description=DESCRIPTION)
    t.set_version("2010-09-09")
    # Each step takes what earlier steps created and returns what it creates (troposphere objects
    # in a frozen dataclass), so a reference is an object, never a logical ID written out again.
    params = add_parameters(t)
    security = add_security(t, params)
    settings = add_configuration(t, params)
    topics = add_topics(t, security)
    stores = add_stores(t, security)
    roles = add_iam(t, params, security, topics, stores)
    functions = add_functions(t, keys, params, security, settings, topics, stores, roles)
    add_subscriptions(t, params, topics, functions.notification_processor, functions.email_subscription_manager,
                      roles.notification_processor)
    alarms = add_alarms(t, params, functions.quota_calculator_resource, topics)
    add_resilience(t, stores, roles, functions, topics)
    add_outputs(t, params, security, settings, topics, functions, alarms)
    add_dashboard(t, params, functions.quota_calculator_resource)
    return t
