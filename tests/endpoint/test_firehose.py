"""Firehose (JSON 1.1, X-Amz-Target Firehose_20150804.*) DescribeDeliveryStream,
called through botocore's own firehose client: the answer parses against the
model, the parameters are validated, and the errors are the service's."""

import unittest

from botocore.exceptions import ClientError

from endpoint_testlib import EndpointTestCase

ACCOUNT = "111122223333"
STREAM = {
    "Destinations": [{
        "DestinationId": "destinationId-000000000001",
        "S3DestinationDescription": {
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose", "BucketARN": "arn:aws:s3:::hose-bucket",
            "Prefix": "flows/", "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
            "CompressionFormat": "UNCOMPRESSED", "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"}},
        "ExtendedS3DestinationDescription": {
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose", "BucketARN": "arn:aws:s3:::hose-bucket",
            "Prefix": "flows/", "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
            "CompressionFormat": "UNCOMPRESSED", "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"}},
    }],
}


class FirehoseTest(EndpointTestCase):
    def setUp(self):
        super().setUp()
        self.ep.patch({"delivery_streams": {"hose": STREAM}})
        self.firehose = self.ep.client("firehose")

    def test_describe_delivery_stream(self):
        d = self.firehose.describe_delivery_stream(DeliveryStreamName="hose")["DeliveryStreamDescription"]
        self.assertEqual(d["DeliveryStreamName"], "hose")
        self.assertTrue(d["DeliveryStreamARN"].endswith(":deliverystream/hose"))
        ext = d["Destinations"][0]["ExtendedS3DestinationDescription"]
        self.assertEqual(ext["BucketARN"], "arn:aws:s3:::hose-bucket")
        self.assertEqual(ext["Prefix"], "flows/")
        self.assertEqual(self.ep.counts()["firehose:DescribeDeliveryStream"], 1)

    def test_unknown_stream_and_bad_parameters(self):
        with self.assertRaises(ClientError) as ctx:
            self.firehose.describe_delivery_stream(DeliveryStreamName="nope")
        self.assertAwsError(ctx, "ResourceNotFoundException", 400)
        # A name longer than the model's 64 characters, sent unchecked: the
        # endpoint validates it against the model as AWS does.
        loose = self.ep.client("firehose", parameter_validation=False)
        with self.assertRaises(ClientError) as ctx:
            loose.describe_delivery_stream(DeliveryStreamName="x" * 65)
        self.assertAwsError(ctx, "InvalidArgumentException", 400)

    def test_unknown_target(self):
        with self.assertRaises(ClientError):
            self.firehose.list_delivery_streams()


if __name__ == "__main__":
    unittest.main()
