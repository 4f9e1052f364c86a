"""Wire protocols of the test endpoint, driven by botocore's service models.

Requests are deserialised from what arrived (EC2/query form flattening, JSON
bodies, REST-JSON URI/querystring members) into the input structure that
botocore itself would have serialised, then validated with botocore.validate
plus the model constraints botocore does not check (max lengths and ranges).
Answers are serialised from plain Python values in botocore's output shape
(PascalCase member names, the same shape boto3 returns), so a scenario item
reads like `aws ec2 describe-network-interfaces` output and the XML/JSON on
the wire follows the model exactly.

Members absent from the (2022) model are passed through as extra elements,
the way a newer AWS answer looks to an older SDK.
"""

import datetime
import json
import threading
import uuid
from xml.sax.saxutils import escape

import botocore.loaders
import botocore.model
import botocore.validate

EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"

# signing name -> (botocore model name, protocol)
SERVICES = {
    "ec2": ("ec2", "ec2"),
    "sts": ("sts", "query"),
    "monitoring": ("cloudwatch", "query"),
    "logs": ("logs", "json"),
    "elasticfilesystem": ("efs", "rest-json"),
    "sso": ("sso", "rest-json"),
    "firehose": ("firehose", "json"),
    "athena": ("athena", "json"),
    "organizations": ("organizations", "json"),
}

# JSON 1.1 services: X-Amz-Target prefix (the model's targetPrefix + ".").
JSON_TARGET_PREFIXES = {"logs": "Logs_20140328.", "firehose": "Firehose_20150804.",
                        "athena": "AmazonAthena.",
                        "organizations": "AWSOrganizationsV20161128."}

_loader = botocore.loaders.Loader()
_models = {}
_models_lock = threading.Lock()


def service_model(signing_name):
    with _models_lock:
        model = _models.get(signing_name)
        if model is None:
            name = SERVICES[signing_name][0]
            data = _loader.load_service_model(name, "service-2")
            model = botocore.model.ServiceModel(data, service_name=name)
            _models[signing_name] = model
        return model


def _query_xmlns(signing_name):
    """The XML namespace of a query-protocol service's answers (its model's
    xmlNamespace; STS's model names none, its answers use this one)."""
    if signing_name == "sts":
        return "https://sts.amazonaws.com/doc/2011-06-15/"
    return service_model(signing_name).metadata.get("xmlNamespace", "")


def protocol_of(signing_name):
    return SERVICES[signing_name][1]


def new_request_id():
    return str(uuid.uuid4())


class AwsError(Exception):
    """An error answer in the service's own format."""

    def __init__(self, code, message, status=400, sender=True, headers=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender  # query protocol <Type>Sender|Receiver</Type>
        self.headers = headers or {}


class Reset(Exception):
    """Close the connection without answering (fault 'reset')."""


# ---------------------------------------------------------------- errors


def validation_error(service, message):
    """The service's real code for a request that fails model validation."""
    if service == "ec2":
        return AwsError("InvalidParameterValue", message, 400)
    if service == "sts":
        return AwsError("ValidationError", message, 400)
    if service == "monitoring":
        return AwsError("InvalidParameterValue", message, 400)
    if service == "logs":
        return AwsError("InvalidParameterException", message, 400)
    if service == "elasticfilesystem":
        return AwsError("BadRequest", message, 400)
    if service == "sso":
        return AwsError("InvalidRequestException", message, 400)
    if service == "firehose":
        return AwsError("InvalidArgumentException", message, 400)
    if service == "athena":
        return AwsError("InvalidRequestException", message, 400)
    return AwsError("ValidationError", message, 400)


def error_response(service, err, request_id):
    """(status, headers, body bytes) of `err` in `service`'s error format."""
    headers = {"x-amzn-RequestId": request_id}
    headers.update(err.headers)
    if service == "s3":
        host_id = request_id.replace("-", "")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>"
                f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>")
        return err.status, {"x-amz-request-id": request_id, "x-amz-id-2": host_id,
                            "Content-Type": "application/xml"}, body.encode()
    proto = protocol_of(service) if service in SERVICES else "json"
    if proto == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Response><Errors><Error><Code>{escape(err.code)}</Code>"
                f"<Message>{escape(err.message)}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
        headers["Content-Type"] = "text/xml;charset=UTF-8"
    elif proto == "query":
        kind = "Sender" if err.sender else "Receiver"
        body = (f'<ErrorResponse xmlns="{_query_xmlns(service)}">\n'
                f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{escape(err.code)}</Code>\n"
                f"    <Message>{escape(err.message)}</Message>\n  </Error>\n"
                f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n")
        headers["Content-Type"] = "text/xml"
    elif proto == "json":
        body = json.dumps({"__type": err.code, "message": err.message})
        headers["Content-Type"] = "application/x-amz-json-1.1"
    else:  # rest-json
        headers["x-amzn-ErrorType"] = f"{err.code}:"
        headers["Content-Type"] = "application/json"
        if service == "elasticfilesystem":
            body = json.dumps({"ErrorCode": err.code, "Message": err.message})
        else:
            body = json.dumps({"message": err.message})
    return err.status, headers, body.encode()


# ---------------------------------------------------------------- requests


def _scalar_from_string(value, shape, name, errors):
    t = shape.type_name
    try:
        if t in ("integer", "long"):
            return int(value)
        if t in ("float", "double"):
            return float(value)
        if t == "boolean":
            if value.lower() == "true":
                return True
            if value.lower() == "false":
                return False
            raise ValueError(value)
        if t == "timestamp":
            return value
    except ValueError:
        errors.append(f"Invalid value '{value}' for parameter {name}: expected {t}")
        return None
    return value


def _query_name(member_name, shape, ec2):
    ser = shape.serialization
    if ec2:
        if "queryName" in ser:
            return ser["queryName"]
        if "name" in ser:
            return ser["name"][0].upper() + ser["name"][1:]
        return member_name
    return ser.get("name", member_name)


def _deser_form(form, shape, key, consumed, ec2, errors):
    t = shape.type_name
    if t == "structure":
        if key and not any(k.startswith(key + ".") for k in form):
            return None
        out = {}
        for mname, mshape in shape.members.items():
            wire = _query_name(mname, mshape, ec2)
            sub = f"{key}.{wire}" if key else wire
            v = _deser_form(form, mshape, sub, consumed, ec2, errors)
            if v is not None:
                out[mname] = v
        return out
    if t == "list":
        if key in form and form[key] == "":
            consumed.add(key)
            return []
        if ec2 or shape.serialization.get("flattened"):
            base = key
        else:
            base = key + "." + shape.member.serialization.get("name", "member")
        indices = set()
        for k in form:
            if k.startswith(base + "."):
                head = k[len(base) + 1:].split(".", 1)[0]
                if head.isdigit():
                    indices.add(int(head))
                else:
                    errors.append(f"The parameter {k} is not recognized")
                    consumed.add(k)
        if not indices:
            return None
        return [_deser_form(form, shape.member, f"{base}.{i}", consumed, ec2, errors)
                for i in sorted(indices)]
    if t == "map":
        base = key if shape.serialization.get("flattened") else key + ".entry"
        indices = {int(k[len(base) + 1:].split(".", 1)[0]) for k in form
                   if k.startswith(base + ".") and k[len(base) + 1:].split(".", 1)[0].isdigit()}
        if not indices:
            return None
        kname = shape.key.serialization.get("name", "key")
        vname = shape.value.serialization.get("name", "value")
        out = {}
        for i in sorted(indices):
            k = _deser_form(form, shape.key, f"{base}.{i}.{kname}", consumed, ec2, errors)
            v = _deser_form(form, shape.value, f"{base}.{i}.{vname}", consumed, ec2, errors)
            out[k] = v
        return out
    if key not in form:
        return None
    consumed.add(key)
    return _scalar_from_string(form[key], shape, key, errors)


def deserialize_form(service, operation, form):
    """Input structure from an EC2/query form; raises the service's error."""
    ec2 = protocol_of(service) == "ec2"
    shape = operation.input_shape
    consumed = {"Action", "Version"}
    errors = []
    params = {}
    if shape is not None:
        params = _deser_form(form, shape, "", consumed, ec2, errors) or {}
    unknown = sorted(k for k in form if k not in consumed)
    if unknown:
        if ec2:
            raise AwsError("UnknownParameter", f"The parameter {unknown[0]} is not recognized", 400)
        raise validation_error(service, f"The parameter {unknown[0]} is not recognized")
    if errors:
        raise validation_error(service, errors[0])
    return params


def deserialize_rest(service, operation, query_pairs, uri_params, headers, body):
    """Input structure of a REST-JSON call from querystring, URI, headers and body."""
    shape = operation.input_shape
    params = {}
    errors = []
    known = set()
    if shape is not None:
        for mname, mshape in shape.members.items():
            loc = mshape.serialization.get("location")
            wire = mshape.serialization.get("name", mname)
            if loc == "querystring":
                known.add(wire)
                values = [v for k, v in query_pairs if k == wire]
                if not values:
                    continue
                if mshape.type_name == "list":
                    params[mname] = [_scalar_from_string(v, mshape.member, wire, errors) for v in values]
                else:
                    params[mname] = _scalar_from_string(values[-1], mshape, wire, errors)
            elif loc == "uri":
                if wire in uri_params:
                    params[mname] = _scalar_from_string(uri_params[wire], mshape, wire, errors)
            elif loc == "header":
                value = headers.get(wire)
                if value is not None:
                    params[mname] = _scalar_from_string(value, mshape, wire, errors)
    unknown = sorted({k for k, _ in query_pairs} - known)
    if unknown:
        raise validation_error(service, f"Unknown query parameter {unknown[0]}")
    if body:
        try:
            doc = json.loads(body)
        except ValueError as e:
            raise AwsError("SerializationException", f"request body is not JSON: {e}", 400)
        if not isinstance(doc, dict):
            raise AwsError("SerializationException", "request body must be a JSON object", 400)
        params.update(doc)
    if errors:
        raise validation_error(service, errors[0])
    return params


def _check_max(params, shape, name, errors):
    """The model's max constraints, which botocore.validate does not check."""
    if params is None:
        return
    t = shape.type_name
    meta = shape.metadata
    if t == "structure" and isinstance(params, dict):
        for k, v in params.items():
            if k in shape.members:
                _check_max(v, shape.members[k], f"{name}.{k}" if name else k, errors)
    elif t == "list" and isinstance(params, list):
        if "max" in meta and len(params) > meta["max"]:
            errors.append(f"{name}: at most {meta['max']} items allowed, got {len(params)}")
        for i, v in enumerate(params):
            _check_max(v, shape.member, f"{name}[{i}]", errors)
    elif t == "string" and isinstance(params, str):
        if "max" in meta and len(params) > meta["max"]:
            errors.append(f"{name}: length {len(params)} is above the maximum {meta['max']}")
        if "enum" in meta and shape.enum and params not in shape.enum:
            errors.append(f"{name}: '{params}' is not one of {', '.join(shape.enum)}")
    elif t in ("integer", "long") and isinstance(params, int):
        if "max" in meta and params > meta["max"]:
            errors.append(f"{name}: {params} is above the maximum {meta['max']}")


def validate(service, operation, params):
    shape = operation.input_shape
    if shape is None:
        if params:
            raise validation_error(service, f"{operation.name} takes no parameters")
        return
    report = botocore.validate.ParamValidator().validate(params, shape)
    if report.has_errors():
        raise validation_error(service, report.generate_report())
    errors = []
    _check_max(params, shape, "", errors)
    if errors:
        raise validation_error(service, errors[0])


# ---------------------------------------------------------------- answers


def _iso(value):
    if isinstance(value, (int, float)):
        dt = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return str(value)


def _xml_scalar(value, shape):
    t = shape.type_name if shape is not None else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if t == "timestamp":
        return escape(_iso(value))
    return escape(str(value))


def _lower_camel(name):
    return name[0].lower() + name[1:] if name else name


def _xml_value(name, value, shape, ec2, out):
    """Appends <name>value</name> serialised by `shape` (None: pass-through)."""
    t = shape.type_name if shape is not None else None
    if t == "structure" or (shape is None and isinstance(value, dict)):
        out.append(f"<{name}>")
        for k, v in value.items():
            if v is None:
                continue
            mshape = shape.members.get(k) if shape is not None else None
            if mshape is not None:
                child = mshape.serialization.get("name", k)
            else:
                child = _lower_camel(k) if ec2 else k
            _xml_value(child, v, mshape, ec2, out)
        out.append(f"</{name}>")
    elif t == "list" or (shape is None and isinstance(value, list)):
        item_shape = shape.member if shape is not None else None
        default_item = "item" if ec2 else "member"
        item = item_shape.serialization.get("name", default_item) if item_shape is not None else default_item
        if shape is not None and shape.serialization.get("flattened"):
            for v in value:
                _xml_value(name, v, item_shape, ec2, out)
            return
        if not value:
            out.append(f"<{name}/>")
            return
        out.append(f"<{name}>")
        for v in value:
            _xml_value(item, v, item_shape, ec2, out)
        out.append(f"</{name}>")
    elif t == "map":
        out.append(f"<{name}>")
        for k, v in value.items():
            out.append("<entry>")
            _xml_value("key", k, shape.key, ec2, out)
            _xml_value("value", v, shape.value, ec2, out)
            out.append("</entry>")
        out.append(f"</{name}>")
    else:
        text = _xml_scalar(value, shape)
        out.append(f"<{name}>{text}</{name}>" if text != "" else f"<{name}/>")


def _xml_members(value, shape, ec2, out):
    for k, v in value.items():
        if v is None:
            continue
        mshape = shape.members.get(k) if shape is not None else None
        if mshape is not None:
            name = mshape.serialization.get("name", k)
        else:
            name = _lower_camel(k) if ec2 else k
        _xml_value(name, v, mshape, ec2, out)


def _json_value(value, shape):
    t = shape.type_name if shape is not None else None
    if t == "structure" and isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is None:
                continue
            mshape = shape.members.get(k)
            name = mshape.serialization.get("name", k) if mshape is not None else k
            out[name] = _json_value(v, mshape)
        return out
    if t == "list" and isinstance(value, list):
        return [_json_value(v, shape.member) for v in value]
    if t == "map" and isinstance(value, dict):
        return {k: _json_value(v, shape.value) for k, v in value.items()}
    if t == "timestamp" and isinstance(value, str):
        dt = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return dt.timestamp()
    return value


def success_response(service, operation, result, request_id):
    """(status, headers, body bytes) for a successful call."""
    proto = protocol_of(service)
    shape = operation.output_shape
    headers = {"x-amzn-RequestId": request_id}
    if proto == "ec2":
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
               f'<{operation.name}Response xmlns="{EC2_XMLNS}">',
               f"<requestId>{request_id}</requestId>"]
        _xml_members(result, shape, True, out)
        out.append(f"</{operation.name}Response>")
        headers["Content-Type"] = "text/xml;charset=UTF-8"
        return 200, headers, "".join(out).encode()
    if proto == "query":
        out = [f'<{operation.name}Response xmlns="{_query_xmlns(service)}">\n']
        wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
        if wrapper:
            out.append(f"  <{wrapper}>")
        _xml_members(result, shape, False, out)
        if wrapper:
            out.append(f"</{wrapper}>\n")
        out.append(f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
                   f"  </ResponseMetadata>\n</{operation.name}Response>\n")
        headers["Content-Type"] = "text/xml"
        return 200, headers, "".join(out).encode()
    body = json.dumps(_json_value(result, shape) if shape is not None else {})
    headers["Content-Type"] = "application/x-amz-json-1.1" if proto == "json" else "application/json"
    status = operation.http.get("responseCode", 200) if proto == "rest-json" else 200
    return status, headers, body.encode()
