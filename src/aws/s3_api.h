// Typed S3 calls for reading flow-log deliveries: locations
// ("s3://bucket/prefix" or a flow log's "arn:aws:s3:::bucket/prefix"),
// ListObjectsV2 over every page of a prefix, and a streaming GetObject.
// The wire work (path-style on custom endpoints, redirects to the bucket's
// region, resumption of a broken transfer) is AwsClient's.
//
// Errors: AwsClient's (kNotFound for NoSuchBucket/NoSuchKey, kAuth naming
// s3:ListBucket / s3:GetObject, ...); kInvalidArgument for a bad location.
// Thread-safety: S3Api may be used from several threads; it does not own the
// AwsClient, which must outlive it.
#ifndef EFSTOP_AWS_S3_API_H_
#define EFSTOP_AWS_S3_API_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

struct S3Location {
  std::string bucket;
  std::string prefix;  // no leading '/'; may be empty; kept as given otherwise

  // "s3://bucket/prefix".
  std::string to_uri() const;
};

// Parses "s3://bucket[/prefix]" or "arn:aws[-partition]:s3:::bucket[/prefix]".
// Errors: kInvalidArgument naming the text and the expected shapes.
Result<S3Location> parse_s3_location(std::string_view text);

using S3ObjectInfo = AwsClient::S3Object;

class S3Api {
 public:
  explicit S3Api(AwsClient* client) : client_(client) {}

  // Every object under `prefix` (all pages, in key order). With a non-empty
  // `delimiter`, common prefixes are returned in `*prefixes` (may be null).
  // `max_keys` (1..1000; 0: S3's default, 1000) is the page size asked for;
  // the server may send fewer.
  Result<std::vector<S3ObjectInfo>> list_objects(const std::string& bucket,
                                                 const std::string& prefix,
                                                 const std::string& delimiter = "",
                                                 std::vector<std::string>* prefixes = nullptr,
                                                 int max_keys = 0);

  // Streams the object to `sink` (return false from the sink to stop, or
  // set `*cancel`: see HttpRequest::cancel). Returns the bytes delivered.
  Result<int64_t> get_object(const std::string& bucket, const std::string& key,
                             const BodySink& sink, const std::atomic<bool>* cancel = nullptr);

  // Reads bytes [start, start + len) of the object into `*out` with a
  // ranged GetObject (Parquet's footer and column chunks). A server that
  // ignores the Range header (sends more than asked) is an error naming it:
  // efstop does not download whole objects behind the caller's back.
  Status get_range(const std::string& bucket, const std::string& key, int64_t start, int64_t len,
                   std::string* out);

  // ListObjectsV2 calls made so far (every page).
  int64_t list_calls() const { return list_calls_.load(); }

 private:
  AwsClient* client_;
  std::atomic<int64_t> list_calls_{0};
};

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_S3_API_H_
