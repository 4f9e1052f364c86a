// `efstop --names --labels FILE` against the test endpoint, through the
// binary: an address an ENI of the account holds keeps its AWS name even
// inside a labelled prefix; one outside the account takes the label of the
// longest prefix that holds it; one no label holds is external. The byte
// figures are summed here from the flow lines the test writes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::enrich {
namespace {

class LabelsCliTest : public efstop::testing::EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    setenv("AWS_ACCESS_KEY_ID", efstop::testing::kTestAccessKeyId, 1);
    setenv("AWS_SECRET_ACCESS_KEY", efstop::testing::kTestSecretAccessKey, 1);
  }
  std::string home() { return env().home(); }
};

struct Flow {
  const char* client;
  const char* server;
  int64_t written;  // client to server
  int64_t read;     // server to client
};

TEST_F(LabelsCliTest, AccountNamesWinLabelsNameTheRest) {
  // Mount targets 10.20.1.100 (shared-home) and 10.20.2.101 (scratch);
  // 10.20.1.11 is the instance `web`, inside the labelled 10.20.0.0/16.
  const Flow flows[] = {
      {"10.20.1.11", "10.20.1.100", 4000, 9000},
      {"192.168.40.7", "10.20.2.101", 700, 1300},  // /32 label "nas-gateway"
      {"192.168.41.8", "10.20.2.101", 50, 20},     // /16 label "paris-dc"
      {"172.31.9.9", "10.20.1.100", 11, 22},       // no label: external
  };
  const std::string log_path = home() + "/flows.log";
  {
    std::ofstream out(log_path);
    int port = 40000;
    for (const Flow& f : flows) {
      // Both directions at the mount target's ENI, default version-2 format.
      out << "2 111122223333 eni-mt " << f.client << ' ' << f.server << ' ' << port << " 2049 6 10 "
          << f.written << " 1795701600 1795701660 ACCEPT OK\n";
      out << "2 111122223333 eni-mt " << f.server << ' ' << f.client << " 2049 " << port << " 6 10 "
          << f.read << " 1795701600 1795701660 ACCEPT OK\n";
      ++port;
    }
  }
  const std::string labels_path = home() + "/labels.txt";
  std::ofstream(labels_path) << "10.20.0.0/16 the vpc\n"
                                "192.168.0.0/16 paris-dc\n"
                                "192.168.40.7 nas-gateway\n";

  const efstop::testing::ProgramRun r = efstop::testing::run_efstop(
      {"--names", "--labels", labels_path, "--region", efstop::testing::kTestRegion,
       "--endpoint-url", endpoint().url(), "--cache-dir", home() + "/cache", "--output", "json",
       "--top", "0", log_path});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string& out = r.out;
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << out;

  std::map<std::string, nlohmann::json> by_client;
  for (const nlohmann::json& row : report["rows"]) by_client[row["client"]["ip"]] = row;
  ASSERT_EQ(by_client.size(), 4u) << report.dump(1);

  EXPECT_EQ(by_client["10.20.1.11"]["client"]["name"], "web");
  EXPECT_EQ(by_client["10.20.1.11"]["client"]["kind"], "ec2-instance");
  EXPECT_EQ(by_client["192.168.40.7"]["client"]["name"], "nas-gateway");
  EXPECT_EQ(by_client["192.168.40.7"]["client"]["kind"], "label");
  EXPECT_EQ(by_client["192.168.40.7"]["client"]["id"], "192.168.40.7/32");
  EXPECT_EQ(by_client["192.168.41.8"]["client"]["name"], "paris-dc");
  EXPECT_EQ(by_client["192.168.41.8"]["client"]["id"], "192.168.0.0/16");
  EXPECT_EQ(by_client["172.31.9.9"]["client"]["kind"], "external");

  for (const Flow& f : flows) {
    const nlohmann::json& row = by_client[f.client];
    EXPECT_EQ(row["server"]["ip"], f.server) << f.client;
    EXPECT_EQ(row["bytes_written"], f.written) << f.client;
    EXPECT_EQ(row["bytes_read"], f.read) << f.client;
  }
  EXPECT_EQ(by_client["10.20.1.11"]["server"]["name"], "shared-home");
  EXPECT_EQ(by_client["192.168.40.7"]["server"]["name"], "scratch");
}

}  // namespace
}  // namespace efstop::enrich
