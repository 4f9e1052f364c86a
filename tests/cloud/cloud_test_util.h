// Helpers shared by the cloud end-to-end tests: a client with fixed keys,
// gzip, the default scenario's flow-log records, and the local-file engine
// run that every cloud result is compared with.
#ifndef EFSTOP_TESTS_CLOUD_CLOUD_TEST_UTIL_H_
#define EFSTOP_TESTS_CLOUD_CLOUD_TEST_UTIL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aws/client.h"
#include "flowlog/engine.h"

namespace efstop::cloud::test {

inline constexpr char kGroup[] = "/efstop/vpc-flow-logs";
// The default scenario's flow-log events lie in [10:00, 10:06) on 2026-11-29.
inline constexpr int64_t kWindowStart = 1795946400;  // 2026-11-29T10:00:00Z
inline constexpr int64_t kWindowEnd = 1795950000;    // 2026-11-29T11:00:00Z

// An AwsClient for `url` signing with a fixed key pair (4 attempts).
std::unique_ptr<aws::AwsClient> make_client(
    const std::string& url, const std::string& region, const std::string& key,
    const std::string& secret,
    std::chrono::milliseconds read_timeout = std::chrono::milliseconds(60'000));

// A fresh directory for the running test (under the system temp dir).
std::string test_dir();

std::string gzip(const std::string& data);

// The messages of the default scenario's flow-log group (default format).
std::vector<std::string> scenario_messages();

// The eight mount-target addresses and ENIs of the default scenario: the
// servers discovery gives the engine.
std::vector<flowlog::IpAddress> scenario_server_ips();
std::vector<std::string> scenario_server_enis();

// `lines` (one record each) written to a local file and counted by the
// engine over [start, end): the reference every cloud source must match.
flowlog::EngineResult run_local(const std::vector<std::string>& lines, flowlog::EngineOptions opt,
                                int64_t start = kWindowStart, int64_t end = kWindowEnd);

// Splits a flow-log line into its space-separated fields, and back.
std::vector<std::string> split_fields(const std::string& line);
std::string join_fields(const std::vector<std::string>& fields);

}  // namespace efstop::cloud::test

#endif  // EFSTOP_TESTS_CLOUD_CLOUD_TEST_UTIL_H_
