#include "aws/s3_api.h"

#include "aws/paginate.h"

namespace efstop::aws {

std::string S3Location::to_uri() const {
  return prefix.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix;
}

Result<S3Location> parse_s3_location(std::string_view text) {
  std::string_view rest;
  if (text.rfind("s3://", 0) == 0) {
    rest = text.substr(5);
  } else if (text.rfind("arn:", 0) == 0) {
    // arn:<partition>:s3:::bucket/prefix
    const size_t pos = text.find(":s3:::");
    if (pos == std::string_view::npos) {
      return invalid_argument_error("s3 location " + std::string(text) +
                                    ": not an S3 ARN (expected arn:aws:s3:::bucket/prefix)");
    }
    rest = text.substr(pos + 6);
  } else {
    return invalid_argument_error("s3 location " + std::string(text) +
                                  ": expected s3://bucket/prefix or arn:aws:s3:::bucket/prefix");
  }
  const size_t slash = rest.find('/');
  S3Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) loc.prefix = std::string(rest.substr(slash + 1));
  if (loc.bucket.empty()) {
    return invalid_argument_error("s3 location " + std::string(text) + ": no bucket name");
  }
  return loc;
}

Result<std::vector<S3ObjectInfo>> S3Api::list_objects(const std::string& bucket,
                                                      const std::string& prefix,
                                                      const std::string& delimiter,
                                                      std::vector<std::string>* prefixes,
                                                      int max_keys) {
  std::vector<S3ObjectInfo> out;
  auto fetch = [&](const std::string& token) -> Result<std::string> {
    ++list_calls_;
    EFSTOP_ASSIGN_OR_RETURN(
        AwsClient::S3ListPage page,
        client_->s3_list_objects_v2(bucket, prefix, token, delimiter, max_keys));
    for (S3ObjectInfo& o : page.objects) out.push_back(std::move(o));
    if (prefixes != nullptr) {
      for (std::string& p : page.common_prefixes) prefixes->push_back(std::move(p));
    }
    return page.next_continuation_token;
  };
  EFSTOP_RETURN_IF_ERROR(paginate("list-objects-v2 s3://" + bucket + "/" + prefix, fetch).status());
  return out;
}

Result<int64_t> S3Api::get_object(const std::string& bucket, const std::string& key,
                                  const BodySink& sink, const std::atomic<bool>* cancel) {
  return client_->s3_get_object(bucket, key, sink, std::nullopt, std::nullopt, nullptr, cancel);
}

Status S3Api::get_range(const std::string& bucket, const std::string& key, int64_t start,
                        int64_t len, std::string* out) {
  out->clear();
  if (len <= 0) return Status();
  bool too_long = false;
  Result<int64_t> got = client_->s3_get_object(
      bucket, key,
      [&](std::string_view chunk) {
        if (out->size() + chunk.size() > static_cast<size_t>(len)) {
          too_long = true;
          return false;
        }
        out->append(chunk);
        return true;
      },
      start, start + len - 1);
  const std::string what = "get-object s3://" + bucket + "/" + key + " bytes " +
                           std::to_string(start) + "-" + std::to_string(start + len - 1);
  if (too_long) {
    return io_error(what +
                    ": the server sent more bytes than the Range asked for (it ignored "
                    "the Range header, which Parquet objects need)");
  }
  if (!got.ok()) return got.status();
  if (out->size() != static_cast<size_t>(len)) {
    return io_error(what + ": got " + std::to_string(out->size()) + " bytes (object shorter " +
                    "than listed, or changed while read)");
  }
  return Status();
}

}  // namespace efstop::aws
