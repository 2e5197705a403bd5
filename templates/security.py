"""The customer-managed KMS key (topics, secrets) and the two secrets."""
from __future__ import annotations

import awacs.kms as kms
from awacs.aws import Allow, PolicyDocument, Principal, Statement
from troposphere import Join, Ref, Sub, Template
from troposphere.kms import Alias, Key
from troposphere.secretsmanager import Secret

from templates.names import SECRET_PREFIX, named

KEY = "BedrockOpsAlertEncryptionKey"
_ENCRYPT = [kms.Decrypt, kms.Action("GenerateDataKey*")]


def key_policy() -> PolicyDocument:
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            # The AWS default key policy: delegates key administration to IAM in this account.
            # A key policy without it can lock the account out of its own key, so this is the
            # one place an action wildcard stays.
            Statement(
                Sid="Enable IAM User Permissions for Key Management",
                Effect=Allow,
                Principal=Principal("AWS", Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")),
                Action=[kms.Action("*")],
                Resource=["*"],
            ),
            # Alarm actions publish to the encrypted topics; without this CloudWatch cannot
            # notify (SPEC §9: the AWS-managed SNS key breaks alarm actions).
            Statement(
                Sid="Allow CloudWatch Alarms to Encrypt",
                Effect=Allow,
                Principal=Principal("Service", "cloudwatch.amazonaws.com"),
                Action=_ENCRYPT,
                Resource=["*"],
            ),
            Statement(
                Sid="Allow SNS Service to Use Key",
                Effect=Allow,
                Principal=Principal("Service", "sns.amazonaws.com"),
                Action=_ENCRYPT,
                Resource=["*"],
            ),
        ],
    )


def add_security(t: Template) -> None:
    t.add_resource(Key(KEY, Description="Encrypts the Bedrock Ops Alert topics and secrets",
                       EnableKeyRotation=True, KeyPolicy=key_policy()))
    t.add_resource(Alias("BedrockOpsAlertEncryptionKeyAlias",
                         AliasName=named("alias/{C}-bedrock-ops-alert-{M}"), TargetKeyId=Ref(KEY)))
    t.add_resource(Secret("CustomerNameSecret",
                          Name=Sub(f"{SECRET_PREFIX}/customer-name"),
                          Description="Customer name quoted in alerts and support cases",
                          SecretString=Ref("CustomerName"), KmsKeyId=Ref(KEY)))
    t.add_resource(Secret("StakeholderEmailsSecret",
                          Name=Sub(f"{SECRET_PREFIX}/stakeholder-emails"),
                          Description="E-mail addresses of the SRE team (comma-separated)",
                          SecretString=Join(",", Ref("StakeholderEmailList")), KmsKeyId=Ref(KEY)))
