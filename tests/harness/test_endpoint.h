// The C++ side of efstop's AWS test endpoint (tests/endpoint/server.py).
//
// TestEndpoint starts the Python endpoint on 127.0.0.1 (a free port) as a
// child process in its own process group, waits until it answers, and stops
// it on destruction. The endpoint plays STS, EC2, EFS, CloudWatch Logs, SSO,
// IMDS and the container credential service on ONE port, checks every SigV4
// signature with botocore and every parameter against botocore's service
// models, and answers from a scenario JSON file (tests/endpoint/README.md
// documents the schema and the default scenario's contents).
//
// Typical use in a GoogleTest file:
//
//   #include "harness/test_endpoint.h"
//   class MyTest : public efstop::testing::EndpointTest {};
//   TEST_F(MyTest, Works) {
//     // endpoint() is shared by every test of the process and reset before
//     // each test (no faults, counts zero, default scenario); HOME points to
//     // an empty temporary directory and AWS_* variables are cleared.
//     setenv("AWS_ACCESS_KEY_ID", efstop::testing::kTestAccessKeyId, 1);
//     ... call endpoint().url() ...
//     EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 1);
//   }
//
// Operation names used by faults and counts are "<service>:<Operation>" with
// the service as signed: "sts", "ec2", "elasticfilesystem", "logs", plus
// "sso:GetRoleCredentials", "imds:<Token|RoleName|Credentials|Region|Document>",
// "container:Credentials" and, behind S3Server, "s3:<ListObjectsV2|GetObject|...>".
// Control calls are libcurl requests to
// /__efstop/... on the same port.
//
// Namespace note: inside `namespace efstop` code, GoogleTest's namespace must be
// spelled ::testing (efstop::testing is this harness).
//
// Thread-safety: a TestEndpoint may be used from several threads at once
// (each control call is an independent HTTP request). ScopedAwsEnv changes
// process-wide environment variables: create it before starting threads.
#ifndef EFSTOP_TESTS_HARNESS_TEST_ENDPOINT_H_
#define EFSTOP_TESTS_HARNESS_TEST_ENDPOINT_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace efstop::testing {

// Facts of tests/endpoint/scenarios/default.json that tests need by name.
// (The scenario file is the source of truth; harness_smoke_test checks that
// these constants still match it.)
inline constexpr char kTestAccount[] = "111122223333";
inline constexpr char kTestRegion[] = "eu-west-1";
inline constexpr char kTestAccessKeyId[] = "AKIAEFSTOPTEST000001";
inline constexpr char kTestSecretAccessKey[] = "efstopTestSecretKey/0000000000000000000001";

// tests/endpoint/scenarios/default.json in this source tree: the scenario the
// endpoint serves unless told otherwise (its account, region and key pair are
// the constants above).
std::string default_scenario_path();
inline constexpr char kTestUserArn[] = "arn:aws:iam::111122223333:user/efstop-tester";
// A second user whose key is valid but who may not assume any role.
inline constexpr char kTestOtherAccessKeyId[] = "AKIAEFSTOPTEST000002";
inline constexpr char kTestOtherSecretAccessKey[] = "efstopTestSecretKey/0000000000000000000002";
// Roles. kTestRoleArn may be assumed by the test user (no external id);
// kTestExternalIdRoleArn needs ExternalId kTestExternalId; kTestChainedRoleArn
// may only be assumed from a kTestRoleArn session (role chaining);
// kTestWebIdentityRoleArn accepts AssumeRoleWithWebIdentity with
// kTestWebIdentityToken.
inline constexpr char kTestRoleArn[] = "arn:aws:iam::111122223333:role/efstop-reader";
inline constexpr char kTestExternalIdRoleArn[] = "arn:aws:iam::111122223333:role/efstop-partner";
inline constexpr char kTestExternalId[] = "efstop-external-id-42";
inline constexpr char kTestChainedRoleArn[] = "arn:aws:iam::444455556666:role/efstop-crossaccount";
inline constexpr char kTestWebIdentityRoleArn[] = "arn:aws:iam::111122223333:role/efstop-irsa";
inline constexpr char kTestWebIdentityToken[] =
    "eyJhbGciOiJSUzI1NiJ9.efstop-test-web-identity.c2ln";
// IAM Identity Center: a valid access token (what `aws sso login` caches)
// for account kTestAccount and role kTestSsoRoleName.
inline constexpr char kTestSsoAccessToken[] = "efstop-sso-access-token-valid";
inline constexpr char kTestSsoRoleName[] = "EfstopReadOnly";
// IMDS: role name served under /latest/meta-data/iam/security-credentials/.
inline constexpr char kTestImdsRoleName[] = "efstop-instance-role";
// Container credentials: path and Authorization token the endpoint expects.
inline constexpr char kTestContainerPath[] = "/v2/credentials/efstop-task";
inline constexpr char kTestContainerToken[] = "efstop-container-auth-token";

// Kinds of injected faults; see tests/endpoint/README.md for each kind's
// exact wire behaviour per service.
enum class FaultKind {
  kThrottle,            // each service's real throttling code and status
  kInternalError,       // HTTP 500 in the service's error format
  kServiceUnavailable,  // HTTP 503 in the service's error format
  kReset,               // closes the connection without answering
  kSlow,                // sleeps delay_ms, then answers normally
  kSlowAfter,           // does what was asked, then sleeps delay_ms before answering
  kTruncate,            // Content-Length larger than the body, then closes
  kExpired,             // the service's expired-token error
  kDenied,              // the service's access-denied error
  kRepeatToken,         // a page asked for with a token answers that token as its next
};

// "throttle", "500", ...: the names the control API uses.
std::string_view fault_kind_name(FaultKind kind);

struct Fault {
  std::string operation = "*";  // "ec2:DescribeNetworkInterfaces", or "*" for every AWS call
  FaultKind kind = FaultKind::kThrottle;
  int count = 1;     // how many matching requests get the fault (then it is used up)
  int skip = 0;      // let this many matching requests through first
  int delay_ms = 0;  // kSlow: how long to sleep before answering
  // Non-empty: only requests whose path holds this text (one S3 object of many).
  std::string path_contains{};
};

struct EndpointOptions {
  // Empty: tests/endpoint/scenarios/default.json of the source tree.
  std::string scenario_path{};
  // Added before every AWS answer (not before control calls).
  int latency_ms = 0;
  // Items per page for every paginated operation; 0 keeps the scenario's
  // value (default.json: 5).
  int page_size = 0;
  std::chrono::milliseconds start_timeout{20000};
  // When set (an s3rver URL), S3 requests are signature-checked and relayed
  // there; S3Server does this for you.
  std::string s3_upstream{};
};

class TestEndpoint {
 public:
  // Spawns `/usr/bin/python3 <source>/tests/endpoint/server.py` and waits
  // until it has written its port file and answered GET /__efstop/counts.
  // On failure (timeout, early exit, bad scenario) the error message
  // includes the server's stderr.
  static Result<std::unique_ptr<TestEndpoint>> start(const EndpointOptions& options = {});

  // Stops the server: SIGTERM to its process group, waits up to 3 s, then
  // SIGKILL. (If this process dies first, the server notices within 0.5 s
  // through --parent-pid and exits.)
  ~TestEndpoint();
  TestEndpoint(const TestEndpoint&) = delete;
  TestEndpoint& operator=(const TestEndpoint&) = delete;

  // "http://127.0.0.1:<port>": the value for --endpoint-url and every
  // AWS_ENDPOINT_URL* / AWS_EC2_METADATA_SERVICE_ENDPOINT override.
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // url() + kTestContainerPath (AWS_CONTAINER_CREDENTIALS_FULL_URI).
  std::string container_credentials_url() const;

  // Arms a fault; faults are matched in the order they were added.
  Status inject_fault(const Fault& fault);
  // Requests per operation since start or the last reset(), counting every
  // request that reached the operation (also failed and faulted ones).
  Result<std::map<std::string, int64_t>> counts() const;
  // counts()[operation], 0 when absent; -1 when the control call failed.
  int64_t count(std::string_view operation) const;
  // Sum of all counts (every AWS-shaped request).
  int64_t total_count() const;
  // The most recent requests (up to 1000), oldest first, each
  // {"operation","method","path","query","params","access_key_id","status"}
  // with params as the deserialised input; never a signature or secret.
  Result<nlohmann::json> requests() const;
  // The tables the Athena stand-in holds now ("db.name", sorted;
  // tests/endpoint/ep_athena.py).
  Result<std::vector<std::string>> athena_tables() const;
  // IAM (tests/endpoint/ep_iam.py): every signed call of these IAM actions
  // ("ec2:DescribeInstances", "s3:GetObject", ...) is refused from now on as
  // AWS refuses a caller whose policy lacks them (UnauthorizedOperation,
  // AccessDeniedException, AccessDenied); replaces the previous list.
  // With `accounts`, only callers of those accounts (an assumed role's
  // credentials) are refused.
  Status deny_actions(const std::vector<std::string>& actions,
                      const std::vector<std::string>& accounts = {});
  // The IAM actions signed, authenticated callers used since start or the
  // last reset() (denied ones too), sorted, each once.
  Result<std::vector<std::string>> called_actions() const;
  // Clears faults, counts, the request log, the clock offset, issued
  // temporary credentials, the denied actions and the called ones; reloads
  // the scenario file the endpoint started with.
  Status reset();
  // RFC 7386 JSON merge patch over the current scenario, e.g. to delete an
  // ENI: {"network_interfaces": {"eni-0abc": null}} (ENIs, instances, file
  // systems... are objects keyed by id for this reason; see the README).
  Status patch_scenario(std::string_view json_merge_patch);
  // Replaces the whole scenario with `json` (same schema as the file).
  Status replace_scenario(std::string_view json);
  // Every credential the endpoint has issued so far (STS, SSO, IMDS,
  // container) expires now: the next call signed with one gets the service's
  // expired-token error. Returns how many were expired.
  Result<int> expire_issued_credentials();
  // The server's clock runs `offset` ahead of the real one (negative: behind):
  // requests then look skewed by -offset; answers carry the shifted Date header.
  Status set_clock_offset(std::chrono::seconds offset);

  // The server's stderr so far (diagnostics: why a request was rejected).
  std::string server_log() const;

 private:
  TestEndpoint() = default;
  Result<std::string> control(std::string_view method, std::string_view path,
                              std::string_view body) const;

  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
  std::string temp_dir_;  // owned: port file and stderr log; removed on destruction
};

// Sets up the environment every endpoint test needs and restores it after:
// HOME is a fresh temporary directory holding an empty ~/.aws/, every AWS_*
// variable is unset (so the developer's own configuration never leaks in),
// NO_PROXY/no_proxy are 127.0.0.1,localhost and the proxy variables are
// cleared. home() is the temporary HOME (removed on destruction).
class ScopedAwsEnv {
 public:
  ScopedAwsEnv();
  ~ScopedAwsEnv();
  ScopedAwsEnv(const ScopedAwsEnv&) = delete;
  ScopedAwsEnv& operator=(const ScopedAwsEnv&) = delete;

  const std::string& home() const { return home_; }
  // Writes `content` to home()/.aws/<name> (e.g. "config", "credentials").
  void write_aws_file(std::string_view name, std::string_view content) const;
  // Writes a profile named `profile` holding the test key pair
  // (kTestAccessKeyId, kTestSecretAccessKey) to credentials and `region` to
  // config: what most command-line tests hand efstop with --profile.
  void write_test_profile(std::string_view profile, std::string_view region) const;

 private:
  std::string home_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// The endpoint shared by every test of this process, started on first use
// with default options (fails the calling test with the server's stderr when
// it cannot start). Stopped at process exit.
TestEndpoint& shared_endpoint();

// Fixture: endpoint() is shared_endpoint(), reset() before each test; each
// test runs inside a ScopedAwsEnv (env()).
class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override;
  TestEndpoint& endpoint() { return shared_endpoint(); }
  ScopedAwsEnv& env() { return *env_; }

 private:
  std::unique_ptr<ScopedAwsEnv> env_;
};

}  // namespace efstop::testing

#endif  // EFSTOP_TESTS_HARNESS_TEST_ENDPOINT_H_
