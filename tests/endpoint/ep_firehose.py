"""Firehose (JSON 1.1, target Firehose_20150804) DescribeDeliveryStream.

The scenario's "delivery_streams" object is keyed by stream name; each value
holds the DeliveryStreamDescription members a test cares about (at least
"Destinations", in the model's shape); the rest get model-valid defaults.
The answer is serialised from botocore's model like every other JSON answer.
"""

from ep_protocols import AwsError


def describe_delivery_stream(state, identity, params):
    sc = state.scenario()
    name = params["DeliveryStreamName"]
    stream = sc.get("delivery_streams", {}).get(name)
    if stream is None:
        raise AwsError("ResourceNotFoundException",
                       f"Firehose {name} under account {sc['account']} not found.", 400)
    desc = {
        "DeliveryStreamName": name,
        "DeliveryStreamARN": f"arn:aws:firehose:{sc['region']}:{sc['account']}:deliverystream/{name}",
        "DeliveryStreamStatus": "ACTIVE",
        "DeliveryStreamType": "DirectPut",
        "VersionId": "1",
        "HasMoreDestinations": False,
    }
    desc.update(stream)
    return {"DeliveryStreamDescription": desc}


OPERATIONS = {"DescribeDeliveryStream": describe_delivery_stream}
