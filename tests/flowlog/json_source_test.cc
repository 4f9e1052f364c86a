// JSON-wrapped flow logs (flowlog/json_source_internal.h): the same records
// as text and in each JSON form give the same report, and damaged JSON is
// skipped, counted and named by line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "flowlog/engine.h"
#include "flowlog/json_source_internal.h"
#include "test_util.h"

namespace efstop::flowlog {
namespace {

using testing::gzip;
using testing::TempDir;
using testing::write_file;

// Random default-format records between a few clients and servers, with
// every fate (both sides logged, REJECT, NODATA, not EFS, a bad line).
std::vector<std::string> random_lines(int n, unsigned seed) {
  std::mt19937 rng(seed);
  const char* clients[] = {"10.0.1.10", "10.0.1.11", "10.0.1.12", "2001:db8::10"};
  const char* servers[] = {"10.0.2.50", "10.0.2.51", "2001:db8::50"};
  const char* enis[] = {"eni-c1", "eni-c2", "eni-s1", "eni-s2"};
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    const int kind = static_cast<int>(rng() % 20);
    const std::string eni = enis[rng() % 4];
    const std::string c = clients[rng() % 4];
    const std::string s = servers[rng() % 3];
    const int64_t start = 1795701600 + static_cast<int64_t>(rng() % 3600);
    const std::string times = std::to_string(start) + " " + std::to_string(start + 60);
    const std::string sport = std::to_string(1000 + rng() % 60000);
    const std::string bytes = std::to_string(rng() % 1000000);
    const std::string packets = std::to_string(1 + rng() % 500);
    std::string line = "2 123456789012 " + eni + " ";
    if (kind == 0) {
      line += "- - - - - - - " + times + " - NODATA";
    } else if (kind == 1) {
      line +=
          c + " 52.1.2.3 " + sport + " 443 6 " + packets + " " + bytes + " " + times + " ACCEPT OK";
    } else if (kind == 2) {
      line += c + " " + s + " " + sport + " 2049 6 1 40 " + times + " REJECT OK";
    } else if (kind == 3) {
      line += c + " " + s + " 2049";  // cut short: skipped
    } else if (kind < 12) {
      line += c + " " + s + " " + sport + " 2049 6 " + packets + " " + bytes + " " + times +
              " ACCEPT OK";
    } else {
      line += s + " " + c + " 2049 " + sport + " 6 " + packets + " " + bytes + " " + times +
              " ACCEPT OK";
    }
    lines.push_back(line);
  }
  return lines;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string as_text(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// (a) one object per line.
std::string as_json_lines(const std::vector<std::string>& lines) {
  std::string out;
  int64_t t = 1795701600000;
  for (const std::string& l : lines) {
    out += "{\"timestamp\":" + std::to_string(t) + ",\"message\":" + json_string(l) +
           ",\"ingestionTime\":" + std::to_string(t + 1) + "}\n";
    ++t;
  }
  return out;
}

std::string envelope(const std::vector<std::string>& lines, size_t from, size_t to) {
  std::string out =
      "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"/vpc/fl\","
      "\"logStream\":\"eni-c1-all\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[";
  for (size_t i = from; i < to; ++i) {
    if (i > from) out += ",";
    out += "{\"id\":\"" + std::to_string(i) +
           "\",\"timestamp\":1795701600000,\"message\":" + json_string(lines[i]) + "}";
  }
  return out + "]}";
}

const std::string kControl =
    "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\","
    "\"logStream\":\"\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1,"
    "\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}";

// (b) DATA_MESSAGE envelopes of `per` events; `gzip_each`: each envelope a
// gzip member (as CloudWatch Logs sends them to Firehose); `sep` between.
std::string as_envelopes(const std::vector<std::string>& lines, size_t per, bool gzip_each,
                         const std::string& sep) {
  std::string out = gzip_each ? gzip(kControl) : kControl + sep;
  for (size_t i = 0; i < lines.size(); i += per) {
    const std::string e = envelope(lines, i, std::min(lines.size(), i + per));
    out += gzip_each ? gzip(e) : e + sep;
  }
  return out;
}

// (c) filter-log-events pages, pretty-printed as the AWS CLI prints them.
std::string as_filter_pages(const std::vector<std::string>& lines, size_t per) {
  std::string out;
  for (size_t i = 0; i < lines.size(); i += per) {
    out += "{\n    \"events\": [\n";
    for (size_t j = i; j < std::min(lines.size(), i + per); ++j) {
      if (j > i) out += ",\n";
      out +=
          "        {\n            \"logStreamName\": \"eni-c1-all\",\n"
          "            \"timestamp\": 1795701600000,\n            \"message\": " +
          json_string(lines[j]) +
          ",\n            \"ingestionTime\": 1795701600001,\n"
          "            \"eventId\": \"" +
          std::to_string(j) + "\"\n        }";
    }
    out += "\n    ],\n    \"searchedLogStreams\": [],\n    \"nextToken\": \"tok" +
           std::to_string(i) + "\"\n}\n";
  }
  return out;
}

EngineResult run_one(const std::string& path, int threads) {
  EngineOptions options;
  options.threads = threads;
  Result<EngineResult> r = run_engine({path}, options);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return {};
  return std::move(r).value();
}

void expect_same_report(const EngineResult& got, const EngineResult& want,
                        const std::string& what) {
  EXPECT_EQ(got.pairs, want.pairs) << what;
  FlowStats a = got.stats;
  FlowStats b = want.stats;
  EXPECT_EQ(a, b) << what << ": lines " << a.lines << " vs " << b.lines << ", skipped " << a.skipped
                  << " vs " << b.skipped << ", used " << a.used << " vs " << b.used;
  ASSERT_EQ(got.inputs.size(), 1u);
  EXPECT_FALSE(got.inputs[0].failed) << what << ": " << got.inputs[0].error;
}

TEST(JsonSourceTest, EveryFormPlainAndGzipGivesTheTextReport) {
  TempDir dir;
  const std::vector<std::string> lines = random_lines(3000, 16);
  write_file(dir.file("text.log"), as_text(lines));
  const struct {
    std::string name;
    std::string data;
  } forms[] = {
      {"lines.json", as_json_lines(lines)},
      {"lines.json.gz", gzip(as_json_lines(lines))},
      {"envelopes-nl.json", as_envelopes(lines, 37, false, "\n")},
      {"envelopes-joined.json", as_envelopes(lines, 37, false, "")},
      {"envelopes-joined.json.gz", gzip(as_envelopes(lines, 37, false, ""))},
      {"envelopes-members.gz", as_envelopes(lines, 37, true, "")},
      {"envelopes-members-gzipped-again.gz", gzip(as_envelopes(lines, 37, true, ""))},
      {"pages.json", as_filter_pages(lines, 500)},
      {"pages.json.gz", gzip(as_filter_pages(lines, 500))},
  };
  for (int threads : {1, 2}) {
    const EngineResult want = run_one(dir.file("text.log"), threads);
    ASSERT_GT(want.stats.used, 300);
    ASSERT_GT(want.stats.skipped, 50);
    for (const auto& f : forms) {
      write_file(dir.file(f.name), f.data);
      expect_same_report(run_one(dir.file(f.name), threads), want,
                         f.name + " threads " + std::to_string(threads));
    }
  }
}

TEST(JsonSourceTest, ReadsStdin) {
  TempDir dir;
  const std::vector<std::string> lines = random_lines(500, 7);
  write_file(dir.file("text.log"), as_text(lines));
  write_file(dir.file("in.gz"), as_envelopes(lines, 10, true, ""));
  const EngineResult want = run_one(dir.file("text.log"), 2);
  const int saved = ::dup(0);
  const int fd = ::open(dir.file("in.gz").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, 0), 0);
  ::close(fd);
  EngineResult got = run_one("-", 2);
  ::dup2(saved, 0);
  ::close(saved);
  expect_same_report(got, want, "stdin");
}

TEST(JsonSourceTest, BigJsonFileIsReadWholeNotSplit) {
  // A plain file above split_min_bytes is split at newlines when it is text;
  // a JSON one must not be (a page spans many lines).
  TempDir dir;
  const std::vector<std::string> lines = random_lines(2000, 3);
  write_file(dir.file("text.log"), as_text(lines));
  write_file(dir.file("pages.json"), as_filter_pages(lines, 300));
  EngineOptions options;
  options.threads = 2;
  options.split_min_bytes = 1000;
  options.chunk_bytes = 4096;
  Result<EngineResult> want = run_engine({dir.file("text.log")}, options);
  Result<EngineResult> got = run_engine({dir.file("pages.json")}, options);
  ASSERT_TRUE(want.ok() && got.ok());
  expect_same_report(*got, *want, "split");
}

// The read block (256 KiB in the product, small in the fuzz target) only
// sets how the stream is cut into reads: every block size gives the same
// text, the same counts and the same diagnostics, values spanning blocks
// included.
TEST(JsonSourceTest, ReadBlockSizeDoesNotChangeTheOutput) {
  std::vector<std::string> lines = random_lines(400, 11);
  // A malformed value (skipped, with a diagnostic) between two runs of pages.
  const std::string pages = as_filter_pages(lines, 50) + "\n{\"broken\" [1]}\n" +
                            as_filter_pages(random_lines(100, 12), 50);
  const std::string inputs[] = {as_json_lines(lines), as_envelopes(lines, 37, false, "\n"),
                                as_envelopes(lines, 37, false, ""), pages};
  auto unwrap = [](const std::string& data, size_t block, JsonUnwrapReport* report) {
    std::unique_ptr<ByteSource> src = make_json_unwrap_source(make_memory_source("in.json", data),
                                                              report, size_t{1} << 20, block);
    std::string out;
    char buf[333];
    while (true) {
      Result<size_t> n = src->read(buf, sizeof buf);
      EXPECT_TRUE(n.ok()) << n.status().message();
      if (!n.ok() || *n == 0) break;
      out.append(buf, *n);
    }
    return out;
  };
  for (const std::string& data : inputs) {
    JsonUnwrapReport want_report;
    const std::string want = unwrap(data, kJsonReadBlock, &want_report);
    ASSERT_TRUE(want_report.json);
    ASSERT_GT(want_report.messages, 300);
    for (size_t block : {size_t{1}, size_t{7}, size_t{64}, size_t{4096}}) {
      JsonUnwrapReport report;
      EXPECT_EQ(unwrap(data, block, &report), want) << "block " << block;
      EXPECT_EQ(report.values, want_report.values) << "block " << block;
      EXPECT_EQ(report.messages, want_report.messages) << "block " << block;
      EXPECT_EQ(report.skipped, want_report.skipped) << "block " << block;
      EXPECT_EQ(report.diagnostics, want_report.diagnostics) << "block " << block;
    }
  }
}

TEST(JsonSourceTest, MalformedValuesAreSkippedCountedAndNamed) {
  TempDir dir;
  const std::string good =
      "2 123456789012 eni-c1 10.0.1.10 10.0.2.50 40001 2049 6 10 5000 "
      "1795701600 1795701660 ACCEPT OK";
  std::string data;
  data += "{\"message\":" + json_string(good) + "}\n";            // 1
  data += "{\"message\": \"2 123456789012 eni-c1 10.0.1.10\n";    // 2: cut (raw newline)
  data += "not json at all\n";                                    // 3
  data += "{\"timestamp\": 5}\n";                                 // 4: no message
  data += "{\"message\": 12}\n";                                  // 5: not a string
  data += "{\"message\":\"2 123456789012 eni-c1 10.0.1.10\"}\n";  // 6: text parser skips
  data += "{\"messageType\":\"SOMETHING\"}\n";                    // 7
  data += envelope({good, "2 bad", good}, 0, 3) + "\n";           // 8: event 2 bad
  data += "{\"events\": [{\"message\": 1}, {\"message\": " + json_string(good) + "}]}\n";  // 9
  data += "{\"message\": tru}\n";                        // 10: malformed
  data += "{\"message\": " + json_string(good) + "\n";   // 11: cut, line 12 opens
  data += "{\"message\": " + json_string(good) + "}\n";  // 12
  write_file(dir.file("bad.json"), data);
  EngineOptions options;
  options.threads = 1;
  options.max_diagnostics_per_file = 20;
  Result<EngineResult> r = run_engine({dir.file("bad.json")}, options);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const InputReport& in = r->inputs[0];
  EXPECT_FALSE(in.failed) << in.error;
  // Records: line 1, 6 (skipped by the text parser), 8 x3 (one skipped), 9 (one of two
  // events), 12. JSON-level skips: 2, 3, 4, 5, 7, 9's first event, 10, 11.
  EXPECT_EQ(r->stats.records, 5);
  EXPECT_EQ(r->stats.skipped, 2 + 8);
  EXPECT_EQ(r->stats.lines, 5 + 10);
  std::string all;
  for (const std::string& d : in.diagnostics) all += d + "\n";
  const std::string name = dir.file("bad.json");
  for (const std::string& want :
       {name + ":2: unterminated string", name + ":3: not a JSON object",
        name + ":4: JSON object without a flow-log record", name + ":5: JSON object without",
        name + ":6: expected 14 fields", name + ":7: unknown CloudWatch Logs messageType",
        name + ":8: event 2: expected 14 fields", name + ":9: events[0] has no string message",
        name + ":10: malformed JSON", name + ":11: incomplete JSON value"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want << "\nin:\n" << all;
  }
  EXPECT_EQ(in.diagnostics.size(), 10u) << all;
}

TEST(JsonSourceTest, OversizeValueIsSkippedWholeAndTheRestRead) {
  TempDir dir;
  const std::vector<std::string> lines = random_lines(300, 9);
  std::string data = as_envelopes(lines, 100, false, "\n");
  // The middle envelope gets a long field that makes it exceed the bound.
  const size_t first = data.find("{\"messageType\":\"DATA_MESSAGE\"");
  const size_t second = data.find("{\"messageType\":\"DATA_MESSAGE\"", first + 1);
  data.insert(second + 1, "\"pad\":\"" + std::string(size_t{2} << 20, 'x') + "\",");
  write_file(dir.file("big.json"), data);
  std::vector<std::string> kept(lines.begin(), lines.begin() + 100);
  kept.insert(kept.end(), lines.begin() + 200, lines.end());
  write_file(dir.file("kept.log"), as_text(kept));
  EngineOptions options;
  options.threads = 1;
  options.max_json_value_bytes = size_t{1} << 20;
  Result<EngineResult> got = run_engine({dir.file("big.json")}, options);
  Result<EngineResult> want = run_engine({dir.file("kept.log")}, options);
  ASSERT_TRUE(got.ok() && want.ok());
  EXPECT_EQ(got->pairs, want->pairs);
  EXPECT_EQ(got->stats.skipped, want->stats.skipped + 1);
  EXPECT_EQ(got->stats.records, want->stats.records);
  std::string all;
  for (const std::string& d : got->inputs[0].diagnostics) all += d + "\n";
  EXPECT_NE(all.find(":3: JSON value larger than 1 MiB (the bound per envelope), skipped whole"),
            std::string::npos)
      << all;
}

TEST(JsonSourceTest, NothingRecoverableFailsTheFile) {
  TempDir dir;
  write_file(dir.file("a.json"), "{\"a\": 1}\n{\"b\": 2\n");
  write_file(dir.file("ok.log"),
             "2 123456789012 eni-c1 10.0.1.10 10.0.2.50 40001 2049 6 10 5000 "
             "1795701600 1795701660 ACCEPT OK\n");
  EngineOptions options;
  options.threads = 1;
  Result<EngineResult> r = run_engine({dir.file("a.json"), dir.file("ok.log")}, options);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->inputs[0].failed);
  EXPECT_NE(r->inputs[0].error.find("none of its 2 JSON value(s) held a flow-log record"),
            std::string::npos)
      << r->inputs[0].error;
  EXPECT_EQ(r->stats.files_failed, 1);
  EXPECT_EQ(r->stats.records, 1);
}

TEST(JsonSourceTest, ControlMessagesAloneAreAnEmptyInputNotAFailure) {
  TempDir dir;
  write_file(dir.file("c.gz"), gzip(kControl) + gzip(kControl));
  EngineOptions options;
  options.threads = 1;
  Result<EngineResult> r = run_engine({dir.file("c.gz")}, options);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(r->inputs[0].failed);
  EXPECT_EQ(r->stats.lines, 0);
  EXPECT_EQ(r->stats.skipped, 0);
}

}  // namespace
}  // namespace efstop::flowlog

namespace efstop::flowlog {
namespace {

// The focused scanner against nlohmann::json (the reference it replaced):
// both decide every value below the same way, and the scanner does decide
// the forms AWS writes (else it would be no faster).
void expect_same(const std::string& value, const std::string& what) {
  JsonMessageExtractor fast, reference;
  fast.extract(value, true);
  reference.extract(value, false);
  ASSERT_FALSE(reference.decided_fast);
  EXPECT_EQ(fast.kind, reference.kind) << what;
  EXPECT_EQ(fast.reason, reference.reason) << what;
  EXPECT_EQ(fast.messages, reference.messages) << what;
  EXPECT_EQ(fast.event_skips, reference.event_skips) << what;
}

TEST(JsonMessageExtractorTest, ScannerDecidesAwsFormsAsTheReference) {
  const std::string rec = "2 123456789012 eni-1 10.0.1.5 10.0.9.10 40001 2049 6 1 9 1 2 ACCEPT OK";
  const std::vector<std::string> aws = {
      "{\"message\":\"" + rec + "\"}",
      "{\"logStreamName\":\"eni-1-all\",\"timestamp\":1764410400000,\"message\":\"" + rec +
          "\",\"ingestionTime\":1764410401000,\"eventId\":\"3817\"}",
      "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"1\",\"logGroup\":\"g\",\"logStream\":\"s\","
      "\"subscriptionFilters\":[\"f\"],\"logEvents\":[{\"id\":\"1\",\"timestamp\":1,\"message\":"
      "\"" +
          rec + "\"},{\"id\":\"2\",\"timestamp\":2,\"message\":\"" + rec + " \"}]}",
      "{\"messageType\":\"CONTROL_MESSAGE\",\"logEvents\":[{\"message\":\"CWL CONTROL\"}]}",
      "{\n  \"events\": [\n    {\n      \"message\": \"" + rec +
          "\",\n      \"eventId\": \"1\"\n    }\n  ],\n  \"searchedLogStreams\": [],\n"
          "  \"nextToken\": null\n}",
      // Short escapes are decoded as nlohmann decodes them.
      "{\"message\":\"a \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t end\"}",
      // Decided, and skipped as the reference skips them.
      "{\"other\":1}",
      "{\"message\":5}",
      "{\"messageType\":7}",
      "{\"messageType\":\"OTHER\"}",
      "{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":{}}",
      "{\"events\":[1,{\"message\":2},{\"x\":\"y\"},{\"message\":\"ok\"}]}",
      "{}",
      "{\"a\":[[],{},-0.25,true,false,null,\"\"],\"message\":\"m\"}",
  };
  for (const std::string& v : aws) {
    JsonMessageExtractor fast;
    fast.extract(v, true);
    EXPECT_TRUE(fast.decided_fast) << v;
    expect_same(v, v);
  }
  JsonMessageExtractor e;
  e.extract(aws[5], true);
  ASSERT_EQ(e.messages.size(), 1u);
  EXPECT_EQ(e.messages[0], "a \"q\" \\ / \b\f\n\r\t end");
  e.extract(aws[11], true);
  EXPECT_EQ(e.event_skips, (std::vector<std::string>{"events[0] has no string message",
                                                     "events[1] has no string message",
                                                     "events[2] has no string message"}));
  // Left to the reference: what the scanner does not handle exactly.
  for (const std::string v :
       {"{\"message\":\"\\u00e9\"}", "{\"message\":\"\xc3\xa9\"}",
        "{\"message\":\"a\",\"message\":\"b\"}", "{\"n\":1e5,\"message\":\"m\"}",
        "{\"n\":12345678901234567890}", "{\"message\":\"x\"", "{\"m\":tru}", "{\"m\":01}",
        "{\"m\":\"\x01\"}", "{\"m\":1,}", "{} x"}) {
    JsonMessageExtractor fast;
    fast.extract(v, true);
    EXPECT_FALSE(fast.decided_fast) << v;
    expect_same(v, v);
  }
}

TEST(JsonMessageExtractorTest, MutatedValuesAreDecidedAsTheReference) {
  const std::vector<std::string> seeds = {
      "{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"id\":\"1\",\"message\":\"a b\"},"
      "{\"message\":\"c\\\"d\"}],\"x\":[1.5,null]}",
      "{\"events\":[{\"message\":\"2 1 eni-1 - - - - - - - 1 2 - NODATA\"}],\"n\":null}",
      "{\"timestamp\":1764410400000,\"message\":\"x\\ty\"}",
  };
  const std::string alphabet = "{}[]\",:\\ntrufals0123456789.-e \n\tmessageTyplogEvDATA_";
  std::mt19937 rng(16);
  int decided = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string v = seeds[rng() % seeds.size()];
    for (int k = 1 + static_cast<int>(rng() % 3); k > 0 && !v.empty(); --k) {
      const size_t at = rng() % v.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          v[at] = c;
          break;
        case 1:
          v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          v.erase(at, 1);
      }
    }
    JsonMessageExtractor fast;
    fast.extract(v, true);
    if (!fast.decided_fast) continue;
    ++decided;
    expect_same(v, v);
    if (HasFailure()) return;
  }
  EXPECT_GT(decided, 2000);  // the comparison was not vacuous
}

}  // namespace
}  // namespace efstop::flowlog
