#include "aws/credential_providers.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <thread>

#include "aws/credential_network.h"
#include "aws/http.h"

namespace efstop::aws {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY";
constexpr char kToken[] = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

std::shared_ptr<const SharedConfig> shared(std::optional<std::string_view> config,
                                           std::optional<std::string_view> creds) {
  Result<SharedConfig> sc =
      SharedConfig::from_text(config, "/h/.aws/config", creds, "/h/.aws/credentials");
  EXPECT_TRUE(sc.ok()) << sc.status().to_string();
  return std::make_shared<const SharedConfig>(sc.ok() ? *sc : SharedConfig());
}

void expect_no_secret(const Status& s) {
  EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(kToken), std::string::npos) << s.message();
}

// ---- environment ---------------------------------------------------------

TEST(EnvProviderTest, ReadsKeysTokenAndExpiration) {
  auto p = make_env_provider(EnvVars({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                      {"AWS_SECRET_ACCESS_KEY", kSecret},
                                      {"AWS_SESSION_TOKEN", kToken},
                                      {"AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05Z"}}));
  Result<Credentials> c = p->get();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(c->source, "env");
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(format_iso8601(*c->expiration), "2030-01-02T03:04:05Z");
}

TEST(EnvProviderTest, LegacySecurityTokenAccepted) {
  auto p = make_env_provider(EnvVars({{"AWS_ACCESS_KEY_ID", "AKID"},
                                      {"AWS_SECRET_ACCESS_KEY", kSecret},
                                      {"AWS_SECURITY_TOKEN", kToken}}));
  Result<Credentials> c = p->get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->session_token, kToken);
}

TEST(EnvProviderTest, UnsetIsNotConfiguredPartialIsAnError) {
  Result<Credentials> none = make_env_provider(EnvVars())->get();
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(is_not_configured(none.status()));

  Result<Credentials> empty =
      make_env_provider(EnvVars({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}}))->get();
  EXPECT_TRUE(is_not_configured(empty.status()));

  Result<Credentials> secret_only =
      make_env_provider(EnvVars({{"AWS_SECRET_ACCESS_KEY", kSecret}}))->get();
  ASSERT_FALSE(secret_only.ok());
  EXPECT_TRUE(is_not_configured(secret_only.status()));
  expect_no_secret(secret_only.status());

  Result<Credentials> key_only = make_env_provider(EnvVars({{"AWS_ACCESS_KEY_ID", "AKID"}}))->get();
  ASSERT_FALSE(key_only.ok());
  EXPECT_EQ(key_only.status().code(), StatusCode::kAuth);
  EXPECT_NE(key_only.status().message().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos);
}

TEST(EnvProviderTest, BadExpirationIsAnError) {
  Result<Credentials> c = make_env_provider(EnvVars({{"AWS_ACCESS_KEY_ID", "AKID"},
                                                     {"AWS_SECRET_ACCESS_KEY", kSecret},
                                                     {"AWS_CREDENTIAL_EXPIRATION", "tomorrow"}}))
                              ->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_CREDENTIAL_EXPIRATION"), std::string::npos);
}

// system_clock holds nanoseconds in 64 bits (years 1678 to 2261): a time
// past that used to overflow into a time centuries off (signed overflow,
// undefined behaviour). It is refused; corpus/local_input/
// 02-credential_process-year-9999 keeps the case in the fuzz corpus.
TEST(ParseIso8601Test, YearsTheClockCannotHoldAreRefused) {
  for (const char* text : {"2262-04-12T00:00:00Z", "9999-12-31T23:59:59Z", "1600-01-01T00:00:00Z",
                           "2262-04-11T23:47:17-05:00"}) {
    Result<std::chrono::system_clock::time_point> t = parse_iso8601(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), StatusCode::kParse) << text;
    EXPECT_NE(t.status().message().find("outside the years 1678 to 2261"), std::string::npos)
        << t.status().message();
    EXPECT_NE(t.status().message().find(text), std::string::npos) << t.status().message();
  }
  // The edges it can hold, and a date far ahead that is still inside.
  for (const char* text :
       {"2262-04-11T00:00:00Z", "1678-01-01T00:00:00Z", "2199-12-31T23:59:59Z"}) {
    Result<std::chrono::system_clock::time_point> t = parse_iso8601(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().message();
    EXPECT_EQ(format_iso8601(*t), text);
  }
}

TEST(EnvProviderTest, ExpirationPastTheClockIsAnError) {
  Result<Credentials> c =
      make_env_provider(EnvVars({{"AWS_ACCESS_KEY_ID", "AKID"},
                                 {"AWS_SECRET_ACCESS_KEY", kSecret},
                                 {"AWS_CREDENTIAL_EXPIRATION", "9999-12-31T23:59:59Z"}}))
          ->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_CREDENTIAL_EXPIRATION"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("outside the years"), std::string::npos)
      << c.status().message();
}

// ---- profile keys ----------------------------------------------------------

TEST(ProfileKeysProviderTest, EachFileOnlyAcceptsItsOwnKeys) {
  auto sc = shared("[profile a]\naws_access_key_id = AKCFG\naws_secret_access_key = s1\n",
                   std::string("[b]\naws_access_key_id = AKCRED\naws_secret_access_key = ") +
                       kSecret + "\naws_session_token = " + kToken + "\n");
  Result<Credentials> a_cfg = make_profile_keys_provider(sc, "a", StaticKeysFile::kConfig)->get();
  ASSERT_TRUE(a_cfg.ok());
  EXPECT_EQ(a_cfg->access_key_id, "AKCFG");
  EXPECT_EQ(a_cfg->source, "config-file");
  EXPECT_EQ(a_cfg->source_detail, "profile a in /h/.aws/config");

  Result<Credentials> a_cred =
      make_profile_keys_provider(sc, "a", StaticKeysFile::kCredentials)->get();
  EXPECT_TRUE(is_not_configured(a_cred.status()));

  Result<Credentials> b = make_profile_keys_provider(sc, "b", StaticKeysFile::kCredentials)->get();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->source, "shared-credentials-file");
  EXPECT_EQ(b->session_token, kToken);
  EXPECT_FALSE(b->expiration);
}

TEST(ProfileKeysProviderTest, MissingFileOrProfileIsNotConfigured) {
  auto sc = shared(std::nullopt, "[x]\nregion = y\n");
  Result<Credentials> no_file = make_profile_keys_provider(sc, "x", StaticKeysFile::kConfig)->get();
  EXPECT_TRUE(is_not_configured(no_file.status()));
  EXPECT_NE(no_file.status().message().find("no such file"), std::string::npos);
  Result<Credentials> no_keys =
      make_profile_keys_provider(sc, "x", StaticKeysFile::kCredentials)->get();
  EXPECT_TRUE(is_not_configured(no_keys.status()));
  Result<Credentials> no_profile =
      make_profile_keys_provider(sc, "zz", StaticKeysFile::kCredentials)->get();
  EXPECT_TRUE(is_not_configured(no_profile.status()));
}

TEST(ProfileKeysProviderTest, HalfAPairIsAnErrorNamingFileAndLine) {
  auto sc = shared(std::nullopt, std::string("[p]\n\naws_secret_access_key = ") + kSecret + "\n");
  Result<Credentials> c = make_profile_keys_provider(sc, "p", StaticKeysFile::kCredentials)->get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  EXPECT_NE(c.status().message().find("/h/.aws/credentials line 3"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("no aws_access_key_id"), std::string::npos);
  expect_no_secret(c.status());
}

// ---- credential_process ------------------------------------------------------

TEST(SplitCommandLineTest, QuotesAndEscapesLikeShlex) {
  auto words = [](std::string_view s) {
    Result<std::vector<std::string>> r = split_command_line(s);
    EXPECT_TRUE(r.ok()) << s;
    return r.ok() ? *r : std::vector<std::string>{};
  };
  EXPECT_EQ(words("a b  c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(words("'/opt/my tool' --x=\"a b\""),
            (std::vector<std::string>{"/opt/my tool", "--x=a b"}));
  EXPECT_EQ(words(R"(a\ b "q\"t" 'no\escape')"),
            (std::vector<std::string>{"a b", "q\"t", "no\\escape"}));
  EXPECT_EQ(words("''"), (std::vector<std::string>{""}));
  EXPECT_TRUE(words("   ").empty());
  EXPECT_FALSE(split_command_line("'open").ok());
  EXPECT_FALSE(split_command_line("\"open").ok());
  EXPECT_FALSE(split_command_line("trailing\\").ok());
}

std::shared_ptr<const SharedConfig> process_profile(const std::string& command) {
  return shared("[profile p]\nregion = eu-west-1\ncredential_process = " + command + "\n",
                std::nullopt);
}

TEST(ProcessProviderTest, ReadsVersionOneDocument) {
  auto sc = process_profile(
      std::string(
          "/bin/sh -c 'printf \"%s\" \"$0\"' '{\"Version\": 1, \"AccessKeyId\": \"AKPROC\", "
          "\"SecretAccessKey\": \"") +
      kSecret + "\", \"SessionToken\": \"" + kToken +
      "\", \"Expiration\": \"2031-05-06T07:08:09Z\"}'");
  Result<Credentials> c = make_process_provider(sc, "p")->get();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->access_key_id, "AKPROC");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(c->source, "custom-process");
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(format_iso8601(*c->expiration), "2031-05-06T07:08:09Z");
}

TEST(ProcessProviderTest, ExpirationIsOptional) {
  auto sc = process_profile(
      "/bin/echo '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}'");
  Result<Credentials> c = make_process_provider(sc, "p")->get();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_FALSE(c->expiration);
  EXPECT_EQ(c->session_token, "");
}

TEST(ProcessProviderTest, NotConfiguredWithoutTheKey) {
  auto sc = shared("[profile p]\nregion = x\n", std::nullopt);
  EXPECT_TRUE(is_not_configured(make_process_provider(sc, "p")->get().status()));
  EXPECT_TRUE(is_not_configured(make_process_provider(sc, "other")->get().status()));
}

TEST(ProcessProviderTest, NonZeroExitIsNamedWithProfileAndLine) {
  auto sc = process_profile("/bin/sh -c 'echo failing on purpose >&2; exit 3'");
  Result<Credentials> c = make_process_provider(sc, "p")->get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("profile 'p'"), std::string::npos) << m;
  EXPECT_NE(m.find("/h/.aws/config line 3"), std::string::npos) << m;
  EXPECT_NE(m.find("exited with status 3"), std::string::npos) << m;
}

TEST(ProcessProviderTest, KilledBySignalIsNamed) {
  auto sc = process_profile("/bin/sh -c 'kill -TERM $$'");
  Result<Credentials> c = make_process_provider(sc, "p")->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("signal 15"), std::string::npos) << c.status().message();
}

TEST(ProcessProviderTest, MissingProgramIsAnError) {
  auto sc = process_profile("/nonexistent/efstop-helper --flag");
  Result<Credentials> c = make_process_provider(sc, "p")->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cannot run '/nonexistent/efstop-helper'"), std::string::npos)
      << c.status().message();
}

// The command is started as posix_spawnp / execvp would start it (efstop
// forks and execs it itself, to give it back its descriptor limit): a bare
// name is looked up on PATH, a name found nowhere or a file that may not be
// run is an error naming it, stdin is /dev/null.
TEST(ProcessProviderTest, CommandIsFoundOnPathAndRunsWithStdinFromDevNull) {
  auto sc = process_profile(
      "sh -c 'test \"$(readlink /proc/$$/fd/0)\" = /dev/null && printf \"%s\" \"$0\"' "
      "'{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}'");
  // This process's stdin a pipe for the call, so /dev/null is the child's
  // only if efstop gives it that.
  int stdin_pipe[2];
  ASSERT_EQ(::pipe(stdin_pipe), 0);
  const int saved_stdin = ::dup(0);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(::dup2(stdin_pipe[0], 0), 0);
  Result<Credentials> c = make_process_provider(sc, "p")->get();
  ASSERT_EQ(::dup2(saved_stdin, 0), 0);
  ::close(saved_stdin);
  ::close(stdin_pipe[0]);
  ::close(stdin_pipe[1]);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->access_key_id, "A");

  c = make_process_provider(process_profile("efstop-no-such-helper-on-path"), "p")->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(
                "cannot run 'efstop-no-such-helper-on-path': No such file or directory"),
            std::string::npos)
      << c.status().message();

  char tmpl[] = "/tmp/efstop_proc_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string file = std::string(tmpl) + "/not-executable";
  std::ofstream(file) << "#!/bin/sh\necho\n";
  c = make_process_provider(process_profile(file), "p")->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cannot run '" + file + "': Permission denied"),
            std::string::npos)
      << c.status().message();
  std::filesystem::remove_all(tmpl);
}

TEST(ProcessProviderTest, BadDocumentsAreErrorsThatDoNotEchoOutput) {
  struct Case {
    std::string json;
    std::string expect;
  };
  std::vector<Case> cases = {
      {std::string("not json ") + kSecret, "not a JSON object"},
      {std::string("{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"") + kSecret +
           "\"}",
       "\"Version\" 2"},
      {std::string("{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"") + kSecret + "\"}",
       "no \"Version\""},
      {std::string("{\"Version\": 1, \"SecretAccessKey\": \"") + kSecret + "\"}",
       "no string \"AccessKeyId\""},
      {"{\"Version\": 1, \"AccessKeyId\": \"A\"}", "no string \"SecretAccessKey\""},
      {std::string("{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"") + kSecret +
           "\", \"Expiration\": \"soon\"}",
       "\"Expiration\""},
  };
  char tmpl[] = "/tmp/efstop_proc_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string file = dir + "/out" + std::to_string(i);
    std::ofstream(file) << cases[i].json;
    auto sc = process_profile("/bin/cat " + file);
    Result<Credentials> c = make_process_provider(sc, "p")->get();
    ASSERT_FALSE(c.ok()) << i;
    EXPECT_EQ(c.status().code(), StatusCode::kParse) << i;
    EXPECT_NE(c.status().message().find(cases[i].expect), std::string::npos)
        << i << ": " << c.status().message();
    expect_no_secret(c.status());
  }
  std::filesystem::remove_all(dir);
}

// ---- caching and refresh -----------------------------------------------------

// A source whose answers and clock the test controls.
class FakeSource : public CredentialsProvider {
 public:
  Result<Credentials> get() override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !blocked_; });
    if (!next_error_.ok()) return next_error_;
    Credentials c;
    c.access_key_id = "AK" + std::to_string(calls_);
    c.secret_access_key = "s";
    c.expiration = expiration_;
    c.source = "fake";
    return c;
  }
  void set_expiration(std::optional<TimePoint> e) {
    std::lock_guard<std::mutex> l(mu_);
    expiration_ = e;
  }
  void set_error(Status s) {
    std::lock_guard<std::mutex> l(mu_);
    next_error_ = std::move(s);
  }
  void set_blocked(bool b) {
    std::lock_guard<std::mutex> l(mu_);
    blocked_ = b;
    cv_.notify_all();
  }
  void wait_for_calls(int n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return calls_ >= n; });
  }
  int calls() {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  bool blocked_ = false;
  Status next_error_;
  std::optional<TimePoint> expiration_;
};

struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> seconds = std::make_shared<std::atomic<int64_t>>(1'000'000);
  WallClock fn() const {
    auto s = seconds;
    return [s] { return TimePoint(std::chrono::seconds(s->load())); };
  }
  TimePoint now() const { return TimePoint(std::chrono::seconds(seconds->load())); }
  void advance(std::chrono::seconds d) { *seconds += d.count(); }
};

TEST(CachingProviderTest, LongTermCredentialsAreFetchedOnce) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* raw = source.get();
  FakeClock clock;
  CachingCredentialsProvider cache(std::move(source), clock.fn());
  for (int i = 0; i < 5; ++i) {
    Result<Credentials> c = cache.get();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->access_key_id, "AK1");
    clock.advance(std::chrono::hours(24));
  }
  EXPECT_EQ(raw->calls(), 1);
}

TEST(CachingProviderTest, RefreshesFiveMinutesBeforeExpiry) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* raw = source.get();
  FakeClock clock;
  raw->set_expiration(clock.now() + minutes(60));
  CachingCredentialsProvider cache(std::move(source), clock.fn());
  EXPECT_EQ(cache.get()->access_key_id, "AK1");
  clock.advance(minutes(54));
  EXPECT_EQ(cache.get()->access_key_id, "AK1");  // 6 min left: still fine
  raw->set_expiration(clock.now() + minutes(60));
  clock.advance(minutes(2));  // 4 min left: refresh
  EXPECT_EQ(cache.get()->access_key_id, "AK2");
  EXPECT_EQ(cache.get()->access_key_id, "AK2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST(CachingProviderTest, FailedRefreshKeepsValidCredentialsThenFailsWhenExpired) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* raw = source.get();
  FakeClock clock;
  raw->set_expiration(clock.now() + minutes(10));
  CachingCredentialsProvider cache(std::move(source), clock.fn());
  ASSERT_EQ(cache.get()->access_key_id, "AK1");
  raw->set_error(network_error("sts unreachable"));
  clock.advance(minutes(6));  // 4 min left
  Result<Credentials> still = cache.get();
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->access_key_id, "AK1");
  EXPECT_EQ(raw->calls(), 2);
  // Within the 10 s pause the source is not asked again.
  clock.advance(seconds(5));
  ASSERT_TRUE(cache.get().ok());
  EXPECT_EQ(raw->calls(), 2);
  clock.advance(seconds(6));
  ASSERT_TRUE(cache.get().ok());
  EXPECT_EQ(raw->calls(), 3);
  clock.advance(minutes(5));  // now expired
  Result<Credentials> gone = cache.get();
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().message(), "sts unreachable");
  raw->set_error(Status());
  raw->set_expiration(clock.now() + minutes(60));
  EXPECT_TRUE(cache.get().ok());
}

TEST(CachingProviderTest, InvalidateDropsRejectedTemporaryCredentialsOnce) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* raw = source.get();
  FakeClock clock;
  raw->set_expiration(clock.now() + minutes(60));
  CachingCredentialsProvider cache(std::move(source), clock.fn());
  Result<Credentials> first = cache.get();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->access_key_id, "AK1");
  // A service said AK1 expired although it has 60 minutes left.
  EXPECT_TRUE(cache.invalidate(*first));
  EXPECT_EQ(cache.get()->access_key_id, "AK2");
  // A second thread reporting the same AK1 does not throw AK2 away.
  EXPECT_TRUE(cache.invalidate(*first));
  EXPECT_EQ(cache.get()->access_key_id, "AK2");
  EXPECT_EQ(raw->calls(), 2);
}

TEST(CachingProviderTest, InvalidateKeepsLongTermKeys) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* raw = source.get();
  CachingCredentialsProvider cache(std::move(source));
  Result<Credentials> keys = cache.get();
  ASSERT_TRUE(keys.ok());
  EXPECT_FALSE(cache.invalidate(*keys));  // no expiry: nothing new to fetch
  EXPECT_EQ(cache.get()->access_key_id, "AK1");
  EXPECT_EQ(raw->calls(), 1);
}

TEST(CachingProviderTest, FirstFetchErrorIsReturned) {
  auto source = std::make_unique<FakeSource>();
  source->set_error(auth_error("denied"));
  CachingCredentialsProvider cache(std::move(source));
  Result<Credentials> c = cache.get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
}

TEST(CachingProviderTest, OneRefreshAtATimeOthersUseValidCredentials) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* raw = source.get();
  FakeClock clock;
  raw->set_expiration(clock.now() + minutes(30));
  CachingCredentialsProvider cache(std::move(source), clock.fn());
  ASSERT_EQ(cache.get()->access_key_id, "AK1");
  clock.advance(minutes(27));  // 3 min left: refresh due
  raw->set_blocked(true);
  std::thread refresher([&] { EXPECT_EQ(cache.get()->access_key_id, "AK2"); });
  raw->wait_for_calls(2);  // the refresher is inside the source now
  // Everyone else gets the old, still-valid credentials without waiting.
  std::vector<std::thread> readers;
  std::atomic<int> old_seen{0};
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      Result<Credentials> c = cache.get();
      if (c.ok() && c->access_key_id == "AK1") ++old_seen;
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(old_seen.load(), 8);
  raw->set_expiration(clock.now() + minutes(60));
  raw->set_blocked(false);
  refresher.join();
  EXPECT_EQ(raw->calls(), 2);
  EXPECT_EQ(cache.get()->access_key_id, "AK2");
}

TEST(CachingProviderTest, ExpiredCredentialsMakeCallersWaitForOneRefresh) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* raw = source.get();
  FakeClock clock;
  raw->set_expiration(clock.now() + minutes(30));
  CachingCredentialsProvider cache(std::move(source), clock.fn());
  ASSERT_TRUE(cache.get().ok());
  clock.advance(minutes(31));
  raw->set_expiration(clock.now() + minutes(60));
  std::vector<std::thread> threads;
  std::atomic<int> fresh{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Result<Credentials> c = cache.get();
      if (c.ok() && c->access_key_id == "AK2") ++fresh;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fresh.load(), 8);
  EXPECT_EQ(raw->calls(), 2);
}

// ---- timestamps and describe() ------------------------------------------------

TEST(Iso8601Test, ParsesTheFormsSourcesSend) {
  auto iso = [](std::string_view s) {
    Result<TimePoint> t = parse_iso8601(s);
    return t.ok() ? format_iso8601(*t) : "error: " + t.status().message();
  };
  EXPECT_EQ(iso("2026-11-26T14:00:00Z"), "2026-11-26T14:00:00Z");
  EXPECT_EQ(iso("2026-11-26T14:00:00.123456Z"), "2026-11-26T14:00:00Z");
  EXPECT_EQ(iso("2026-11-26T14:00:00UTC"), "2026-11-26T14:00:00Z");
  EXPECT_EQ(iso("2026-11-26T16:00:00+02:00"), "2026-11-26T14:00:00Z");
  EXPECT_EQ(iso("2026-11-26T09:00:00-05:00"), "2026-11-26T14:00:00Z");
  EXPECT_FALSE(parse_iso8601("2026-11-26").ok());
  EXPECT_FALSE(parse_iso8601("2026-13-26T14:00:00Z").ok());
  EXPECT_FALSE(parse_iso8601("2026-11-26T14:00:00 PST").ok());
}

TEST(CredentialsTest, DescribeMasksTheKeyAndNeverShowsSecrets) {
  Credentials c;
  c.access_key_id = "AKIAEXAMPLE1234ABCD";
  c.secret_access_key = kSecret;
  c.session_token = kToken;
  c.source = "env";
  c.expiration = TimePoint(std::chrono::seconds(1'900'000'000));
  std::string d = c.describe();
  EXPECT_EQ(d, "***************ABCD from env, expires 2030-03-17T17:46:40Z");
}

// Found by aws_answer_fuzz / local_input_fuzz (UBSan: signed overflow in
// std::chrono): a GetRoleCredentials expiration past what a time_point holds
// (year 3000 in epoch ms) overflowed the ms -> ns conversion. It is now
// "out of range" (kParse), and a fractional expiration is not an integer.
namespace sso_regression {

class OneAnswer final : public HttpTransport {
 public:
  explicit OneAnswer(std::string body) : body_(std::move(body)) {}
  HttpOutcome perform(const HttpRequest&) override {
    HttpOutcome o;
    o.response.status = 200;
    o.response.body = body_;
    o.response.body_bytes = static_cast<int64_t>(body_.size());
    return o;
  }

 private:
  std::string body_;
};

Result<Credentials> sso_with_answer(const std::string& answer) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("efstop-sso-regression-" + std::to_string(::getpid())))
                              .string();
  std::filesystem::create_directories(dir);
  std::ofstream(sso_token_cache_path(dir, "https://x.awsapps.com/start"))
      << R"({"accessToken": "t", "expiresAt": "2099-01-01T00:00:00Z"})";
  NetworkContext ctx;
  ctx.transport = std::make_shared<OneAnswer>(answer);
  ctx.client_config.region = "us-east-1";
  SsoParams p;
  p.profile = "p";
  p.start_url = "https://x.awsapps.com/start";
  p.sso_region = "us-east-1";
  p.account_id = "111122223333";
  p.role_name = "r";
  p.cache_dir = dir;
  Result<Credentials> c = make_sso_provider(ctx, p)->get();
  std::filesystem::remove_all(dir);
  return c;
}

TEST(SsoAnswerTest, ExpirationBeyondWhatATimePointHoldsIsAnError) {
  const std::string head =
      R"({"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T", )";
  Result<Credentials> far = sso_with_answer(head + R"("expiration": 32503680000000}})");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.status().code(), StatusCode::kParse);
  EXPECT_NE(far.status().message().find("expiration 32503680000000 ms is out of range"),
            std::string::npos)
      << far.status().message();
  EXPECT_FALSE(sso_with_answer(head + R"("expiration": 1.5e300}})").ok());
  Result<Credentials> ok = sso_with_answer(head + R"("expiration": 1764414000000}})");
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::milliseconds>(ok->expiration->time_since_epoch())
          .count(),
      1764414000000);
}

}  // namespace sso_regression

}  // namespace
}  // namespace efstop::aws
