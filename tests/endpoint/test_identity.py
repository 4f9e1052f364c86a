"""STS AssumeRole (trust, external id, chaining, durations),
AssumeRoleWithWebIdentity, SSO GetRoleCredentials, IMDS and container
credentials; issued credentials must work for signed calls."""

import datetime
import json
import time
import unittest

from botocore.exceptions import ClientError

from endpoint_testlib import (ACCOUNT, CHAINED_ROLE_ARN, IRSA_ROLE_ARN, OTHER_ACCESS_KEY, OTHER_SECRET_KEY,
                              PARTNER_ROLE_ARN, ROLE_ARN, WEB_IDENTITY_TOKEN, EndpointTestCase)


class StsTest(EndpointTestCase):
    def setUp(self):
        super().setUp()
        self.sts = self.ep.client("sts")

    def session_client(self, service, creds):
        return self.ep.client(service, access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"],
                              token=creds["SessionToken"])

    def test_assume_role_credentials_work_everywhere(self):
        r = self.sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="efstop", DurationSeconds=7200)
        creds = r["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertAlmostEqual((creds["Expiration"] - now).total_seconds(), 7200, delta=60)
        self.assertEqual(r["AssumedRoleUser"]["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/efstop-reader/efstop")
        self.assertTrue(self.session_client("ec2", creds).describe_vpcs()["Vpcs"])
        self.assertTrue(self.session_client("logs", creds).describe_log_groups()["logGroups"])

    def test_untrusted_caller_is_denied(self):
        other = self.ep.client("sts", access_key=OTHER_ACCESS_KEY, secret_key=OTHER_SECRET_KEY)
        with self.assertRaises(ClientError) as ctx:
            other.assume_role(RoleArn=ROLE_ARN, RoleSessionName="x1")
        self.assertAwsError(ctx, "AccessDenied", 403)
        with self.assertRaises(ClientError) as ctx:
            self.sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/nope", RoleSessionName="x1")
        self.assertAwsError(ctx, "AccessDenied", 403)

    def test_external_id(self):
        with self.assertRaises(ClientError) as ctx:
            self.sts.assume_role(RoleArn=PARTNER_ROLE_ARN, RoleSessionName="p1")
        self.assertAwsError(ctx, "AccessDenied", 403)
        with self.assertRaises(ClientError) as ctx:
            self.sts.assume_role(RoleArn=PARTNER_ROLE_ARN, RoleSessionName="p1", ExternalId="wrong-id")
        self.assertAwsError(ctx, "AccessDenied", 403)
        ok = self.sts.assume_role(RoleArn=PARTNER_ROLE_ARN, RoleSessionName="p1", ExternalId="efstop-external-id-42")
        self.assertIn("efstop-partner/p1", ok["AssumedRoleUser"]["Arn"])

    def test_role_chaining(self):
        with self.assertRaises(ClientError) as ctx:  # the user itself is not trusted by the target
            self.sts.assume_role(RoleArn=CHAINED_ROLE_ARN, RoleSessionName="c1")
        self.assertAwsError(ctx, "AccessDenied", 403)
        first = self.sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="hop1")["Credentials"]
        hop = self.session_client("sts", first)
        with self.assertRaises(ClientError) as ctx:
            hop.assume_role(RoleArn=CHAINED_ROLE_ARN, RoleSessionName="hop2", DurationSeconds=7200)
        self.assertAwsError(ctx, "ValidationError", 400)
        second = hop.assume_role(RoleArn=CHAINED_ROLE_ARN, RoleSessionName="hop2")["Credentials"]
        ident = self.session_client("sts", second).get_caller_identity()
        self.assertEqual(ident["Account"], "444455556666")
        self.assertEqual(ident["Arn"], "arn:aws:sts::444455556666:assumed-role/efstop-crossaccount/hop2")

    def test_duration_and_session_name_rules(self):
        with self.assertRaises(ClientError) as ctx:
            self.sts.assume_role(RoleArn=PARTNER_ROLE_ARN, RoleSessionName="d1", ExternalId="efstop-external-id-42",
                                 DurationSeconds=7200)  # the partner role allows 1 h
        self.assertAwsError(ctx, "ValidationError", 400)
        with self.assertRaises(ClientError) as ctx:
            self.sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="bad name!")
        self.assertAwsError(ctx, "ValidationError", 400)

    def test_missing_required_parameter(self):
        sts = self.ep.client("sts")

        def drop_session_name(params, **kwargs):
            params["body"].pop("RoleSessionName", None)
        sts.meta.events.register("before-call", drop_session_name)
        with self.assertRaises(ClientError) as ctx:
            sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="will-be-dropped")
        self.assertAwsError(ctx, "ValidationError", 400)

    def test_unknown_query_parameter(self):
        sts = self.ep.client("sts")

        def add_param(params, **kwargs):
            params["body"]["Bogus"] = "1"
        sts.meta.events.register("before-call.sts.GetCallerIdentity", add_param)
        with self.assertRaises(ClientError) as ctx:
            sts.get_caller_identity()
        self.assertAwsError(ctx, "ValidationError", 400)

    def test_short_lived_credentials(self):
        self.ep.patch({"roles": {ROLE_ARN: {"credential_lifetime_seconds": 900}}})
        creds = self.sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="short", DurationSeconds=3600)["Credentials"]
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertAlmostEqual((creds["Expiration"] - now).total_seconds(), 900, delta=60)
        self.assertTrue(self.session_client("ec2", creds).describe_vpcs()["Vpcs"])
        self.assertEqual(self.ep.control("POST", "expire_credentials")["expired"], 1)
        with self.assertRaises(ClientError) as ctx:
            self.session_client("ec2", creds).describe_vpcs()
        self.assertAwsError(ctx, "RequestExpired", 400)
        with self.assertRaises(ClientError) as ctx:
            self.session_client("sts", creds).get_caller_identity()
        self.assertAwsError(ctx, "ExpiredToken", 400)
        self.assertTrue(self.sts.get_caller_identity()["Arn"])  # long-term keys never expire

    def test_web_identity(self):
        sts = self.ep.client("sts", access_key="", secret_key="")
        sts.meta.events.register("choose-signer.sts.*", lambda **kw: botocore_unsigned())
        r = sts.assume_role_with_web_identity(RoleArn=IRSA_ROLE_ARN, RoleSessionName="irsa",
                                              WebIdentityToken=WEB_IDENTITY_TOKEN)
        self.assertTrue(self.session_client("ec2", r["Credentials"]).describe_vpcs()["Vpcs"])
        self.assertEqual(r["AssumedRoleUser"]["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/efstop-irsa/irsa")
        with self.assertRaises(ClientError) as ctx:
            sts.assume_role_with_web_identity(RoleArn=IRSA_ROLE_ARN, RoleSessionName="irsa",
                                              WebIdentityToken="eyJ.not-valid.x")
        self.assertAwsError(ctx, "InvalidIdentityToken", 400)
        with self.assertRaises(ClientError) as ctx:
            sts.assume_role_with_web_identity(RoleArn=IRSA_ROLE_ARN, RoleSessionName="irsa",
                                              WebIdentityToken="eyJhbGciOiJSUzI1NiJ9.efstop-expired-web-identity.c2ln")
        self.assertAwsError(ctx, "ExpiredTokenException", 400)
        log = self.ep.control("GET", "requests")
        self.assertNotIn(WEB_IDENTITY_TOKEN, json.dumps(log))


def botocore_unsigned():
    import botocore
    return botocore.UNSIGNED


class SsoTest(EndpointTestCase):
    def test_get_role_credentials(self):
        sso = self.ep.client("sso", access_key="", secret_key="")
        sso.meta.events.register("choose-signer.sso.*", lambda **kw: botocore_unsigned())
        r = sso.get_role_credentials(roleName="EfstopReadOnly", accountId=ACCOUNT,
                                     accessToken="efstop-sso-access-token-valid")["roleCredentials"]
        self.assertGreater(r["expiration"], time.time() * 1000)
        ec2 = self.ep.client("ec2", access_key=r["accessKeyId"], secret_key=r["secretAccessKey"],
                             token=r["sessionToken"])
        self.assertTrue(ec2.describe_vpcs()["Vpcs"])
        with self.assertRaises(ClientError) as ctx:
            sso.get_role_credentials(roleName="EfstopReadOnly", accountId=ACCOUNT, accessToken="stale-token")
        self.assertAwsError(ctx, "UnauthorizedException", 401)
        with self.assertRaises(ClientError) as ctx:
            sso.get_role_credentials(roleName="Admin", accountId=ACCOUNT,
                                     accessToken="efstop-sso-access-token-valid")
        self.assertAwsError(ctx, "ForbiddenException", 403)
        self.assertEqual(self.ep.counts()["sso:GetRoleCredentials"], 3)


class MetadataTest(EndpointTestCase):
    def imds_token(self):
        status, _, body = self.ep.raw("PUT", "/latest/api/token", b"",
                                      {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        self.assertEqual(status, 200)
        return body.decode()

    def test_imds_v2(self):
        token = self.imds_token()
        h = {"X-aws-ec2-metadata-token": token}
        status, _, role = self.ep.raw("GET", "/latest/meta-data/iam/security-credentials/", headers=h)
        self.assertEqual((status, role), (200, b"efstop-instance-role"))
        status, _, body = self.ep.raw("GET", "/latest/meta-data/iam/security-credentials/efstop-instance-role",
                                      headers=h)
        doc = json.loads(body)
        self.assertEqual(doc["Code"], "Success")
        ec2 = self.ep.client("ec2", access_key=doc["AccessKeyId"], secret_key=doc["SecretAccessKey"],
                             token=doc["Token"])
        self.assertTrue(ec2.describe_vpcs()["Vpcs"])
        status, _, _ = self.ep.raw("GET", "/latest/meta-data/iam/security-credentials/other-role", headers=h)
        self.assertEqual(status, 404)
        status, _, body = self.ep.raw("GET", "/latest/dynamic/instance-identity/document", headers=h)
        self.assertEqual(json.loads(body)["region"], "eu-west-1")
        status, _, _ = self.ep.raw("GET", "/latest/meta-data/placement/region",
                                   headers={"X-aws-ec2-metadata-token": "forged"})
        self.assertEqual(status, 401)

    def test_imds_rules(self):
        status, _, _ = self.ep.raw("GET", "/latest/meta-data/placement/region")
        self.assertEqual(status, 401)  # v2-only: no token, no answer
        status, _, _ = self.ep.raw("PUT", "/latest/api/token", b"", {"X-aws-ec2-metadata-token-ttl-seconds": "0"})
        self.assertEqual(status, 400)
        status, _, _ = self.ep.raw("PUT", "/latest/api/token", b"", {})
        self.assertEqual(status, 400)
        status, _, _ = self.ep.raw("PUT", "/latest/api/token", b"",
                                   {"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "1.2.3.4"})
        self.assertEqual(status, 403)
        self.ep.patch({"imds": {"v2_only": False}})
        status, _, body = self.ep.raw("GET", "/latest/meta-data/placement/region")
        self.assertEqual((status, body), (200, b"eu-west-1"))

    def test_container_credentials(self):
        status, _, _ = self.ep.raw("GET", "/v2/credentials/efstop-task")
        self.assertEqual(status, 401)
        status, _, _ = self.ep.raw("GET", "/v2/credentials/efstop-task", headers={"Authorization": "wrong"})
        self.assertEqual(status, 403)
        status, _, body = self.ep.raw("GET", "/v2/credentials/efstop-task",
                                      headers={"Authorization": "efstop-container-auth-token"})
        self.assertEqual(status, 200)
        doc = json.loads(body)
        logs = self.ep.client("logs", access_key=doc["AccessKeyId"], secret_key=doc["SecretAccessKey"],
                              token=doc["Token"])
        self.assertTrue(logs.describe_log_groups()["logGroups"])
        self.assertEqual(self.ep.counts()["container:Credentials"], 3)


if __name__ == "__main__":
    unittest.main()
