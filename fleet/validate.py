"""Validation rules: the template's own parameter constraints, plus what the template cannot say
(required values without a safe default, e-mail syntax, tags, regions, accounts, OU ids, names).

One validator for every way a parameter set reaches CloudFormation: the fleet (a manifest or the
registry table) and a single stack's parameter file (``make check`` / ``make deploy``).
Every rule returns Problems naming the field and the fix; nothing here calls AWS.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import bundle.lambda_code  # noqa: F401 - functions/ on sys.path
from bundle.regions import unknown_region
from fleet.model import Deployment, Mode, Problem

# The stack's own rules for e-mail addresses and quota codes: what passes here is what the deployed
# custom resources accept.
from ops_alert.email_list import is_email_address
from ops_alert.quota_codes import NO_QUOTA_CODE, is_well_formed_code, means_no_quota

# The template has defaults for some of these, but a default is not a safe choice for a team's
# own stack: a wrong model id or quota code monitors the wrong thing, silently.
REQUIRED = (
    "CustomerName", "StakeholderEmailList", "LambdaS3Bucket", "BedrockModelId",
    "InferenceProfileType", "TokensPerMinuteQuotaCode", "RequestsPerMinuteQuotaCode", "UseCaseDescription",
)
ACCOUNT = re.compile(r"^\d{12}$")
OU_ID = re.compile(r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")
BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
STACK_NAME = re.compile(r"^[a-zA-Z][-a-zA-Z0-9]{0,127}$")
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 50, 128, 256
MAX_ROLE_NAME = 64  # IAM
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
_TAG_PUNCTUATION = set("_.:/=+-@")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _fmt(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def check_parameter(name: str, value: str, declaration: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(message, fix) for each way ``value`` breaks the template's declaration of ``name``."""
    kind = declaration.get("Type", "String")
    allowed = declaration.get("AllowedValues")
    found: list[tuple[str, str]] = []
    if kind == "Number":
        number = _number(value)
        if number is None:
            return [(f"{value!r} is not a number", "give a number")]
        if allowed is not None and number not in {float(a) for a in allowed}:
            found.append((f"{_fmt(number)} is not allowed", f"use one of {', '.join(_fmt(a) for a in allowed)}"))
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            found.append((f"{_fmt(number)} is below the minimum", f"use at least {declaration['MinValue']}"))
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            found.append((f"{_fmt(number)} is above the maximum", f"use at most {declaration['MaxValue']}"))
        return found
    items = [i.strip() for i in value.split(",")] if kind == "CommaDelimitedList" else [value]
    for item in items:
        if allowed is not None and item not in {str(a) for a in allowed}:
            found.append((f"{item!r} is not allowed", f"use one of {', '.join(str(a) for a in allowed)}"))
        pattern = declaration.get("AllowedPattern")
        if pattern and not re.fullmatch(pattern, item):
            found.append((f"{item!r} does not match {pattern}", "use only the characters the pattern allows"))
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        found.append((f"is shorter than {declaration['MinLength']} characters", "give a longer value"))
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        found.append((f"is {len(value)} characters long, the maximum is {declaration['MaxLength']}",
                      f"shorten it to {declaration['MaxLength']} characters"))
    return found


def closest_name(name: str, known: Iterable[str]) -> str | None:
    """The parameter ``name`` was probably meant to be: same letters in another case, else the
    nearest spelling (``BedrockModelID`` → ``BedrockModelId``, ``StakeholderEmails`` → ``StakeholderEmailList``)."""
    known = list(known)
    same_case = [k for k in known if k.lower() == name.lower()]
    close = same_case or difflib.get_close_matches(name, known, n=1)
    return close[0] if close else None


def check_names(names: Iterable[str], parameters: Mapping[str, Any], where: str, prefix: str = "parameters.") -> list[Problem]:
    """Names the template does not declare. CloudFormation would reject them, but `aws cloudformation
    deploy` drops them silently, so a typo would deploy the default instead."""
    problems = []
    for name in names:
        if name not in parameters:
            close = closest_name(name, parameters)
            problems.append(Problem(where, f"{prefix}{name}", "not a parameter of the template",
                                    f"rename it to `{close}`" if close else "remove it"))
    return problems


def check_values(values: Mapping[str, str], given: Iterable[str], parameters: Mapping[str, Mapping[str, Any]], where: str,
                 *, required: Iterable[str] = REQUIRED, prefix: str = "parameters.",
                 set_where: str = "in defaults.parameters or in the entry") -> list[Problem]:
    """All template constraints and the extra rules, for one resolved stack. ``required``: names
    that must be given although the template has a default (the fleet's policy; a single stack's
    parameter file keeps the original's defaults, so it passes none)."""
    problems = []
    given = set(given)
    for name, declaration in parameters.items():
        if name not in values:
            problems.append(Problem(where, f"{prefix}{name}", "missing (the template has no default)", f"set `{name}` {set_where}"))
            continue
        for message, fix in check_parameter(name, values[name], declaration):
            problems.append(Problem(where, f"{prefix}{name}", message, fix))
    for name in required:
        if name in parameters and name not in given:
            problems.append(Problem(where, f"{prefix}{name}", "required: the template default is not safe to deploy",
                                    f"set `{name}` {set_where}"))
    emails = values.get("StakeholderEmailList", "")
    addresses = [e.strip() for e in emails.split(",") if e.strip()]
    field = f"{prefix}StakeholderEmailList"
    if "StakeholderEmailList" in given and not addresses:
        problems.append(Problem(where, field, "no e-mail address", "list at least one address"))
    for address in addresses:
        if not is_email_address(address):
            problems.append(Problem(where, field, f"{address!r} is not an e-mail address", "write name@example.com"))
    for address, count in Counter(a.lower() for a in addresses).items():
        if count > 1:
            problems.append(Problem(where, field, f"{address} is listed {count} times", "list it once"))
    for name in ("TokensPerMinuteQuotaCode", "RequestsPerMinuteQuotaCode"):
        code = values.get(name)
        if name in given and code and not (is_well_formed_code(code) or means_no_quota(code)):
            problems.append(Problem(where, f"{prefix}{name}", f"{code!r} is not a Service Quotas code",
                                    "use the code shown in the Service Quotas console, e.g. L-3DCCFAA4, "
                                    f"or {NO_QUOTA_CODE} when the model has no such quota"))
    bucket = values.get("LambdaS3Bucket")
    if "LambdaS3Bucket" in given and bucket and not BUCKET.match(bucket):
        problems.append(Problem(where, f"{prefix}LambdaS3Bucket", f"{bucket!r} is not a valid S3 bucket name",
                                "3-63 lower-case letters, digits, dots and hyphens"))
    return problems


def with_defaults(given: Mapping[str, str], parameters: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The values CloudFormation will use: the given ones, the template default for the rest."""
    values = {k: v for k, v in given.items() if k in parameters}
    for name, declaration in parameters.items():
        if name not in values and "Default" in declaration:
            default = declaration["Default"]
            values[name] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
    return values


def check_parameter_set(given: Mapping[str, str], parameters: Mapping[str, Mapping[str, Any]], where: str) -> list[Problem]:
    """A single stack's parameter file (``make check`` / ``make deploy``) against the template: names
    (with did-you-mean), the template's constraints, e-mail addresses, quota-code and bucket shape.
    Parameters the file leaves out take the template default, as with the original stack."""
    return (check_names(given, parameters, where, prefix="")
            + check_values(with_defaults(given, parameters), given, parameters, where,
                           required=(), prefix="", set_where="in the parameter file"))


def role_names(values: Mapping[str, str], region: str, document: Mapping[str, Any]) -> dict[str, str]:
    """Logical ID → the IAM role name the template gives it for these parameter values and region."""
    context = {**values, "AWS::Region": region}
    names = {}
    for logical_id, resource in document.get("Resources", {}).items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::IAM::Role":
            continue
        pattern = (resource.get("Properties") or {}).get("RoleName")
        pattern = pattern.get("Fn::Sub") if isinstance(pattern, Mapping) else pattern
        if isinstance(pattern, str):
            names[logical_id] = _SUB_VARIABLE.sub(lambda m: context.get(m.group(1), m.group(0)), pattern)
    return names


def check_role_names(values: Mapping[str, str], region: str, document: Mapping[str, Any], where: str) -> list[Problem]:
    """IAM role names (customer, model and region inside) longer than IAM's 64 characters: the stack
    would fail and roll back when it reaches the role."""
    return [
        Problem(where, "customer/model", f"IAM role {logical_id} would be named {name!r}, {len(name)} characters "
                f"in {region}; IAM allows {MAX_ROLE_NAME}",
                f"shorten customer or model by {len(name) - MAX_ROLE_NAME} character(s) together")
        for logical_id, name in role_names(values, region, document).items() if len(name) > MAX_ROLE_NAME
    ]


def _tag_characters_ok(text: str) -> bool:
    return all(c in _TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text)


def check_tags(tags: Mapping[str, str], where: str) -> list[Problem]:
    problems = []
    if len(tags) > MAX_TAGS:
        problems.append(Problem(where, "tags", f"{len(tags)} tags, the maximum is {MAX_TAGS}", "remove some tags"))
    for key, value in tags.items():
        field = f"tags.{key}"
        if not 1 <= len(key) <= MAX_TAG_KEY:
            problems.append(Problem(where, field, f"key length {len(key)} is not 1-{MAX_TAG_KEY}", "shorten the key"))
        if key.lower().startswith("aws:"):
            problems.append(Problem(where, field, "the `aws:` prefix is reserved for AWS", "choose another key"))
        if not _tag_characters_ok(key):
            problems.append(Problem(where, field, "key has characters tags do not allow",
                                    "use letters, digits, spaces and _ . : / = + - @"))
        if len(value) > MAX_TAG_VALUE:
            problems.append(Problem(where, field, f"value is {len(value)} characters, the maximum is {MAX_TAG_VALUE}",
                                    "shorten the value"))
        if not _tag_characters_ok(value):
            problems.append(Problem(where, field, "value has characters tags do not allow",
                                    "use letters, digits, spaces and _ . : / = + - @"))
    return problems


def check_deployment(deployment: Deployment, caller_account: str | None) -> list[Problem]:
    """Shape of the entry itself: name, OU, targets, tags (parameters are checked per target)."""
    where = deployment.label
    problems = check_tags(deployment.tags, where)
    if not STACK_NAME.match(deployment.name):
        problems.append(Problem(where, "customer/model", f"stack name {deployment.name!r} is not valid (a letter, then "
                                "letters, digits, hyphens; at most 128)", "shorten or simplify customer and model"))
    ou = deployment.organizational_unit
    if ou is not None and not OU_ID.match(ou):
        problems.append(Problem(where, "organizational_unit", f"{ou!r} is not an OU id",
                                "copy the id from AWS Organizations: ou-<4-32 chars>-<8-32 chars>, e.g. ou-ab12-cdef3456"))
    seen: Counter[tuple[str | None, str]] = Counter()
    for index, target in enumerate(deployment.targets):
        twhere = f"{where} targets[{index}]"
        seen[(target.account, target.region)] += 1
        if unknown := unknown_region(target.region):
            problems.append(Problem(twhere, "region", unknown, "use a region of your partition"))
        if target.account is not None and not ACCOUNT.match(target.account):
            problems.append(Problem(twhere, "account", f"{target.account!r} is not a 12-digit account id",
                                    "quote the id in YAML (\"012345678901\") so leading zeros are kept"))
        if deployment.mode is Mode.STACK_SET and target.account is None:
            problems.append(Problem(twhere, "account", "missing: a StackSet instance needs an account",
                                    "add `account:` (an account of the OU)"))
        if deployment.mode is Mode.STACK and target.account and caller_account and target.account != caller_account:
            problems.append(Problem(twhere, "account", f"{target.account} is not the account running this ({caller_account})",
                                    "add `organizational_unit:` to deploy through StackSets, or run with that account's credentials"))
    for (account, region), count in seen.items():
        if count > 1:
            problems.append(Problem(where, "targets", f"{account or 'this account'} {region} is listed {count} times",
                                    "list each account + region once"))
    return problems


def check_fleet(deployments: Iterable[Deployment]) -> list[Problem]:
    """Entries that would fight over the same stack / stack set."""
    by_name: dict[str, list[Deployment]] = {}
    for deployment in deployments:
        by_name.setdefault(deployment.name, []).append(deployment)
    return [
        Problem(group[1].label, "customer/model", f"same stack name {name!r} as {group[0].label}",
                "merge the entries (one entry per customer + model, with several targets)")
        for name, group in by_name.items() if len(group) > 1
    ]

