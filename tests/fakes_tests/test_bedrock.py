"""FakeBedrock: inference profiles."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.fakes import model_arn

OPUS = "anthropic.claude-opus-4-6-v1"


@pytest.fixture
def client(bedrock):
    bedrock.add_system_catalogue()
    return boto3.client("bedrock")


@pytest.mark.parametrize(
    "identifier",
    ["abcd1234efgh", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh"],
    ids=["by-id", "by-arn"],
)
def test_get_application_profile(client, bedrock, identifier):
    models = [model_arn(OPUS, r) for r in ("us-east-1", "us-east-2", "us-west-2")]
    bedrock.add_application_profile("abcd1234efgh", models)
    profile = client.get_inference_profile(inferenceProfileIdentifier=identifier)
    assert profile["type"] == "APPLICATION" and profile["status"] == "ACTIVE"
    assert [m["modelArn"] for m in profile["models"]] == models
    assert profile["inferenceProfileId"] == "abcd1234efgh"


def test_system_profile_shape(client):
    profile = client.get_inference_profile(inferenceProfileIdentifier=f"us.{OPUS}")
    assert profile["inferenceProfileArn"] == f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{OPUS}"
    assert model_arn(OPUS, "us-west-2") in [m["modelArn"] for m in profile["models"]]
    assert profile["type"] == "SYSTEM_DEFINED"


def test_unknown_profile_is_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.get_inference_profile(inferenceProfileIdentifier="nope")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize(
    ("type_equals", "expected"),
    [({"typeEquals": "APPLICATION"}, {"app1", "app2"}), ({}, None), ({"typeEquals": "SYSTEM_DEFINED"}, None)],
    ids=["application", "default-system", "system"],
)
def test_list_filters_by_type(client, bedrock, type_equals, expected):
    bedrock.add_application_profile("app1", [model_arn(OPUS)])
    bedrock.add_application_profile("app2", [model_arn(OPUS)])
    ids = {p["inferenceProfileId"] for p in client.list_inference_profiles(**type_equals)["inferenceProfileSummaries"]}
    system = {p.id for p in bedrock.profiles.values() if p.type == "SYSTEM_DEFINED"}
    assert ids == (expected or system)
    assert {f"global.{OPUS}", f"eu.{OPUS}", f"apac.{OPUS}", "us.meta.llama3-1-70b-instruct-v1:0"} <= system


def test_list_paginates(client, bedrock):
    pages = list(client.get_paginator("list_inference_profiles").paginate(
        typeEquals="SYSTEM_DEFINED", PaginationConfig={"PageSize": 4}))
    assert [len(p["inferenceProfileSummaries"]) for p in pages] == [4, 4, 1]


def test_bad_token(client):
    with pytest.raises(ClientError) as raised:
        client.list_inference_profiles(nextToken="bogus")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
