"""Migration from the original sample's DynamoDB registry table."""
from __future__ import annotations

from typing import Any

import pytest

from tests.fleet.conftest import ACCOUNT, BASE_PARAMETERS, MEMBER_A, MEMBER_B, OU, World

TABLE = "BedrockOpsAlertRegistry"


def row(target: str, account: str = ACCOUNT, **extra: Any) -> dict[str, Any]:
    values = {k: ",".join(v) if isinstance(v, list) else v for k, v in BASE_PARAMETERS.items()}
    values["LambdaS3Bucket"] = f"artifacts-{target.split('#')[0]}"
    return {"AccountId": account, "DeploymentTarget": target, "Status": "ACTIVE", **values, **extra}


def put_rows(world: World, *rows: dict[str, Any]) -> None:
    dynamodb = world.session.resource("dynamodb", region_name="us-east-1")
    table = dynamodb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "DeploymentTarget", "KeyType": "HASH"},
                                                              {"AttributeName": "AccountId", "KeyType": "RANGE"}],
                                  AttributeDefinitions=[{"AttributeName": "DeploymentTarget", "AttributeType": "S"},
                                                        {"AttributeName": "AccountId", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST")
    for item in rows:
        table.put_item(Item=item)


def test_rows_become_stacks_with_their_own_values(world: World) -> None:
    put_rows(world, row("us-east-1#Acme#Opus", ErrorThreshold=7, Tags={"team": "ai"}),
             row("eu-west-1#Acme#Opus", ErrorThreshold=7, Tags={"team": "ai"}))
    result = world.run("apply", "--registry-table", TABLE, "--yes")
    assert result.code == 0, result.output
    stack = world.cfn("eu-west-1").describe_stacks(StackName="bedrock-ops-alert-acme-opus")["Stacks"][0]
    values = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert values["ErrorThreshold"] == "7" and values["LambdaS3Bucket"] == "artifacts-eu-west-1"
    assert stack["Tags"] == [{"Key": "team", "Value": "ai"}]
    assert world.run("plan", "--registry-table", TABLE).output.count("NO-CHANGE") == 2


def test_rows_with_an_ou_become_one_stack_set(world: World) -> None:
    put_rows(world, row("us-east-1#Acme#Opus", MEMBER_A, OrganizationalUnitId=OU),
             row("us-east-1#Acme#Opus", MEMBER_B, OrganizationalUnitId=OU, BedrockModelId="us.anthropic.claude-opus-4-6-v1"))
    result = world.run("plan", "--registry-table", TABLE)
    assert result.code == 0, result.output
    assert f"CREATE     bedrock-ops-alert-acme-opus (stack set, {OU})" in result.output
    assert f"CREATE     bedrock-ops-alert-acme-opus instance {MEMBER_B} us-east-1" in result.output


def test_deleted_row_deletes_its_stack(world: World) -> None:
    put_rows(world, row("us-east-1#Acme#Opus"))
    world.run("apply", "--registry-table", TABLE, "--yes")
    world.session.client("dynamodb", region_name="us-east-1").update_item(
        TableName=TABLE, Key={"DeploymentTarget": {"S": "us-east-1#Acme#Opus"}, "AccountId": {"S": ACCOUNT}},
        UpdateExpression="SET #s = :d", ExpressionAttributeNames={"#s": "Status"}, ExpressionAttributeValues={":d": {"S": "DELETE"}})
    result = world.run("apply", "--registry-table", TABLE, "--yes")
    assert result.code == 0, result.output
    assert world.stacks() == {}


BAD_ROWS = [
    ("unknown-column", row("us-east-1#Acme#Opus", ErrorTreshold=5), "ErrorTreshold", "rename it to `ErrorThreshold`"),
    ("malformed-target", row("us-east-1#Acme"), "DeploymentTarget", "<Region>#<CustomerName>#<BedrockModelName>"),
    ("name-column-disagrees", row("us-east-1#Acme#Opus", CustomerName="Other"), "CustomerName", "differs from DeploymentTarget"),
    ("unknown-status", row("us-east-1#Acme#Opus", Status="MAYBE"), "Status", "use ACTIVE or DELETE"),
    ("tags-not-json", row("us-east-1#Acme#Opus", Tags="team=ai"), "Tags", "is not JSON"),
    ("invalid-email", row("us-east-1#Acme#Opus", StakeholderEmailList="sre@example.com,nobody"), "parameters.StakeholderEmailList", "'nobody'"),
    ("bad-ou", row("us-east-1#Acme#Opus", MEMBER_A, OrganizationalUnitId="r-abcd"), "organizational_unit", "is not an OU id"),
]


@pytest.mark.parametrize(("item", "field", "message"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS])
def test_bad_rows_are_reported(world: World, item: dict[str, Any], field: str, message: str) -> None:
    put_rows(world, item)
    result = world.run("plan", "--registry-table", TABLE)
    assert result.code == 1
    assert any(f": {field}: " in line and message in line and "Fix: " in line for line in result.output.splitlines()), result.output
    assert world.run("apply", "--registry-table", TABLE, "--yes").code == 1
    assert world.stacks() == {}


def test_rows_of_one_model_must_share_ou_and_tags(world: World) -> None:
    put_rows(world, row("us-east-1#Acme#Opus", MEMBER_A, OrganizationalUnitId=OU, Tags={"a": "1"}),
             row("eu-west-1#Acme#Opus", MEMBER_A, OrganizationalUnitId="ou-ab12-99999999", Tags={"a": "2"}))
    output = world.run("plan", "--registry-table", TABLE).output
    assert "OrganizationalUnitId: rows of Acme/Opus disagree" in output
    assert "Tags: rows of Acme/Opus disagree" in output
