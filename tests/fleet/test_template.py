"""The template: constraints and artifact keys come from it; big templates go through S3."""
from __future__ import annotations

import json

from fleet.artifacts import template_source
from fleet.aws import Clients
from fleet.template import TEMPLATE_BODY_LIMIT, template_from_body
from tests.fleet.conftest import ARTIFACTS, World, fact_sheet_parameters, template_document

YAML = """
Parameters:
  CustomerName: {Type: String, MaxLength: 10}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: !Ref LambdaS3Bucket, S3Key: quota_calculator.3f2a9c1d0e4b5a6f.zip}
      FunctionName: !Sub "${CustomerName}-x"
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties: {Content: {S3Bucket: !Ref LambdaS3Bucket, S3Key: layer.0123456789abcdef.zip}}
"""


def test_short_form_yaml_and_artifact_keys() -> None:
    template = template_from_body(YAML)
    assert template.artifact_keys == ("layer.0123456789abcdef.zip", "quota_calculator.3f2a9c1d0e4b5a6f.zip")
    assert template.document["Resources"]["Fn"]["Properties"]["Role"] == {"Fn::GetAtt": ["Role", "Arn"]}
    assert template.parameters["CustomerName"]["MaxLength"] == 10
    assert template.same_as(json.dumps(template.document))  # JSON and YAML of the same template compare equal


def test_fact_sheet_has_thirty_parameters() -> None:
    assert len(fact_sheet_parameters()) == 30
    assert template_from_body(json.dumps(template_document())).artifact_keys == tuple(sorted(ARTIFACTS))


def test_small_template_is_passed_inline_and_big_one_uploaded_once(world: World) -> None:
    clients = Clients(world.session)
    small = template_from_body(json.dumps(template_document()))
    assert template_source(clients, small, "artifacts-eu-west-1", "eu-west-1") == {"TemplateBody": small.body}
    document = template_document()
    document["Description"] = "x" * TEMPLATE_BODY_LIMIT
    big = template_from_body(json.dumps(document))
    source = template_source(clients, big, "artifacts-eu-west-1", "eu-west-1")
    assert source == {"TemplateURL": f"https://artifacts-eu-west-1.s3.eu-west-1.amazonaws.com/{big.s3_key}"}
    assert template_source(clients, big, "artifacts-eu-west-1", "eu-west-1") == source
    body = world.session.client("s3", region_name="eu-west-1").get_object(Bucket="artifacts-eu-west-1", Key=big.s3_key)["Body"].read()
    assert body.decode() == big.body


def test_big_template_deploys_through_s3(world: World) -> None:
    document = template_document()
    document["Description"] = "x" * TEMPLATE_BODY_LIMIT
    world.template.write_text(json.dumps(document))
    text = json.dumps({"defaults": {"parameters": {
        "StakeholderEmailList": ["sre@example.com"], "LambdaS3Bucket": "artifacts-{region}", "BedrockModelId": "m",
        "InferenceProfileType": "Application", "TokensPerMinuteQuotaCode": "L-3DCCFAA4",
        "RequestsPerMinuteQuotaCode": "L-3DD46812", "UseCaseDescription": "u"}},
        "deployments": [{"customer": "Acme", "model": "Opus", "targets": [{"region": "eu-west-1"}]}]})
    result = world.run("apply", "--manifest", str(world.write(text)), "--yes")
    assert result.code == 0, result.output
    assert world.stacks("eu-west-1") == {"bedrock-ops-alert-acme-opus": "CREATE_COMPLETE"}
    assert world.run("plan", "--manifest", str(world.write(text))).output.count("NO-CHANGE") == 1
