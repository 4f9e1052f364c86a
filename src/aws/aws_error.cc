// Error answers of all five wire protocols -> AwsError -> Status.
// nlohmann-json is used without exceptions here (parse(..., false)).
#include <nlohmann/json.hpp>

#include "aws/client.h"

namespace efstop::aws {
namespace {

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (std::string_view c : codes) {
    if (c == code) return true;
  }
  return false;
}

bool is_denied_code(std::string_view code) { return is_access_denied_code(code); }

bool is_auth_code(std::string_view code) {
  return is_denied_code(code) ||
         one_of(code, {"AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch",
                       "InvalidSignatureException", "ExpiredToken", "ExpiredTokenException",
                       "RequestExpired", "UnrecognizedClientException", "InvalidAccessKeyId",
                       "MissingAuthenticationToken", "IncompleteSignature", "RequestTimeTooSkewed",
                       "RequestInTheFuture", "InvalidToken", "TokenRefreshRequired",
                       "OptInRequired", "MissingAuthenticationTokenException"});
}

bool is_not_found_code(std::string_view code) {
  return code.ends_with("NotFound") || code.ends_with("NotFoundException") ||
         code.starts_with("NoSuch") || code.find(".NotFound") != std::string_view::npos;
}

bool is_skew_code(std::string_view code) {
  return one_of(code, {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"});
}

// A short printable excerpt of an unreadable body (HTML from a proxy...).
std::string excerpt(std::string_view body) {
  std::string out;
  bool space = false;
  for (char c : body) {
    if (out.size() >= 160) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || u >= 0x80) {
      space = !out.empty();
      continue;
    }
    if (c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// "aws.protocoltests#FooError:http://..." -> "FooError"
std::string clean_code(std::string code) {
  if (size_t hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  while (!code.empty() && (code.back() == ' ')) code.pop_back();
  return code;
}

std::string status_code_fallback(int status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 307:
      return "TemporaryRedirect";
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 429:
      return "TooManyRequests";
    default:
      return "HTTP " + std::to_string(status);
  }
}

void parse_xml_error(Protocol protocol, const HttpResponse& response, AwsError& err) {
  auto doc = XmlDocument::parse(response.body);
  if (!doc.ok()) return;
  pugi::xml_node root = doc->root();
  pugi::xml_node error;
  if (protocol == Protocol::kEc2Query) {
    error = xml_path(root, {"Errors", "Error"});
    err.request_id = xml_child_text(root, "RequestID");
    if (err.request_id.empty()) err.request_id = xml_child_text(root, "RequestId");
  } else if (xml_local_name(root) == "Error") {
    error = root;  // S3
    err.request_id = xml_child_text(root, "RequestId");
    if (std::string region = xml_child_text(root, "Region"); !region.empty())
      err.bucket_region = region;
  } else {
    error = xml_child(root, "Error");  // query: <ErrorResponse><Error>
    err.request_id = xml_child_text(root, "RequestId");
  }
  if (!error) error = xml_find(root, "Error");
  if (!error) return;
  err.code = xml_child_text(error, "Code");
  err.message = xml_child_text(error, "Message");
  if (err.request_id.empty()) err.request_id = xml_child_text(error, "RequestId");
}

void parse_json_error(const HttpResponse& response, AwsError& err) {
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return;
  for (const char* key : {"__type", "code", "Code", "ErrorCode"}) {
    if (auto it = body.find(key); it != body.end() && it->is_string()) {
      err.code = clean_code(it->get<std::string>());
      break;
    }
  }
  for (const char* key : {"message", "Message", "errorMessage"}) {
    if (auto it = body.find(key); it != body.end() && it->is_string()) {
      err.message = it->get<std::string>();
      break;
    }
  }
}

}  // namespace

AwsError parse_error_response(Protocol protocol, const HttpResponse& response) {
  AwsError err;
  err.http_status = response.status;
  err.response_headers = response.headers;
  if (protocol == Protocol::kJson || protocol == Protocol::kRestJson) {
    parse_json_error(response, err);
    if (err.code.empty()) {
      if (auto type = response.header("x-amzn-ErrorType")) err.code = clean_code(*type);
    }
  } else {
    parse_xml_error(protocol, response, err);
  }
  if (err.request_id.empty()) {
    for (const char* h : {"x-amzn-RequestId", "x-amz-request-id", "x-amzn-request-id"}) {
      if (auto v = response.header(h)) {
        err.request_id = *v;
        break;
      }
    }
  }
  if (auto region = response.header("x-amz-bucket-region")) err.bucket_region = *region;
  if (err.code.empty()) {
    err.code = status_code_fallback(response.status);
    if (err.message.empty()) err.message = excerpt(response.body);
  }
  err.throttling = is_throttling_code(err.code) || response.status == 429;
  err.retryable =
      err.throttling || is_transient_code(err.code) || is_transient_status(response.status);
  err.clock_skew = is_skew_code(err.code);
  return err;
}

bool is_access_denied_code(std::string_view code) {
  return one_of(code, {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                       "UnauthorizedAccess", "AuthorizationError", "Forbidden"});
}

bool is_expired_credentials_code(std::string_view code) {
  return one_of(
      code, {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"});
}

std::string iam_action(Service service, std::string_view operation) {
  if (service == Service::kS3) {
    if (operation == "ListObjectsV2" || operation == "ListObjects") return "s3:ListBucket";
    if (operation == "HeadObject") return "s3:GetObject";
  }
  return std::string(service_info(service).iam_prefix) + ":" + std::string(operation);
}

Status AwsError::to_status(int attempts) const {
  std::string prefix = cli_operation_name(operation);
  if (!region.empty()) prefix += " " + region;
  prefix += ": ";
  if (local) return io_error(prefix + message);  // nothing sent: one attempt, no "after N"
  if (http_status == 0) {  // no answer: transport failure
    std::string m = prefix + message;
    if (attempts > 1) m += " (after " + std::to_string(attempts) + " attempts)";
    return network_error(std::move(m));
  }
  std::string body = code;
  if (!message.empty()) body += ": " + message;
  if (!request_id.empty()) body += " (request id " + request_id + ")";
  if (throttling) {
    std::string m = prefix + "throttled";
    if (attempts > 1) m += " after " + std::to_string(attempts) + " attempts";
    return throttled_error(m + ": " + body);
  }
  if (is_auth_code(code) || http_status == 401) {
    std::string m = prefix + body;
    if (is_denied_code(code) && !iam_action.empty()) {
      m += "; grant " + iam_action +
           (iam_principal.empty() ? " to the caller's IAM policy"
                                  : " to the IAM policy of role " + iam_principal);
    } else if (one_of(code, {"ExpiredToken", "ExpiredTokenException", "RequestExpired",
                             "TokenRefreshRequired"})) {
      m += "; the credentials have expired: refresh them (e.g. aws sso login) and retry";
    } else if (one_of(code, {"SignatureDoesNotMatch", "InvalidSignatureException",
                             "IncompleteSignature"})) {
      m += "; check the secret access key and the system clock";
    } else if (one_of(code, {"InvalidClientTokenId", "UnrecognizedClientException",
                             "InvalidAccessKeyId", "AuthFailure"})) {
      m += "; check the access key (and that it belongs to this partition); see efstop whoami";
    }
    return auth_error(std::move(m));
  }
  if (is_not_found_code(code)) return not_found_error(prefix + body);
  std::string m = prefix + body;
  if (retryable && attempts > 1)
    m = prefix + "failed after " + std::to_string(attempts) + " attempts: " + body;
  return aws_error(std::move(m));
}

}  // namespace efstop::aws
