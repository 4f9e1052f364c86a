// Ec2Api / EfsApi against a fake HTTP transport: batching at 200 filter
// values, pagination, parallel batches, partial failures, and the parsing of
// the wire fixtures in tests/fixtures/responses (origins and licenses in
// tests/fixtures/README.md). End-to-end runs against the Python
// test endpoint live in names_e2e_test.cc.
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "aws/ec2_api.h"
#include "aws/efs_api.h"
#include "fixtures/fixture.h"
#include "gtest/gtest.h"

namespace efstop::aws {
namespace {

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::multimap<std::string, std::string> parse_form(std::string_view body) {
  std::multimap<std::string, std::string> out;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view kv = body.substr(0, amp);
    const size_t eq = kv.find('=');
    out.emplace(url_decode(kv.substr(0, eq)),
                eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

std::string read_file(const std::string& path) { return efstop::testing::read_fixture_file(path); }

class FixedCredentials : public CredentialsProvider {
 public:
  Result<Credentials> get() override {
    Credentials c;
    c.access_key_id = "AKIDEXAMPLE";
    c.secret_access_key = "secret";
    c.source = "test";
    return c;
  }
};

// Plays EC2 and EFS for a synthetic account: ENI k has private IP
// 10.0.(k/256).(k%256) and instance i-<k>. Pages hold `page_size` items.
class FakeAws : public HttpTransport {
 public:
  int page_size = 3;
  int eni_count = 700;
  std::set<std::string> denied_ips;  // a batch containing one is denied
  std::atomic<int> max_values_seen{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  // When > 0, each request waits (up to 2 s) until this many are in flight:
  // proves concurrency without depending on timing.
  int rendezvous = 0;
  std::atomic<bool> rendezvous_met{false};
  std::mutex mu;
  std::map<std::string, int> calls;  // guarded by mu

  HttpOutcome perform(const HttpRequest& request) override {
    const int now = ++in_flight;
    for (int m = max_in_flight.load(); now > m && !max_in_flight.compare_exchange_weak(m, now);) {
    }
    for (int waited = 0; rendezvous > 0 && !rendezvous_met && waited < 2000; ++waited) {
      if (in_flight.load() >= rendezvous) rendezvous_met = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    HttpOutcome out = answer(request);
    --in_flight;
    return out;
  }

 private:
  static HttpOutcome ok(std::string body) {
    HttpOutcome o;
    o.response.status = 200;
    o.response.body = std::move(body);
    return o;
  }

  HttpOutcome answer(const HttpRequest& request) {
    if (request.url.find("/2015-02-01/file-systems") != std::string::npos)
      return file_systems(request);
    if (request.url.find("/2015-02-01/mount-targets") != std::string::npos)
      return mount_targets(request);
    const auto form = parse_form(request.body);
    const std::string action = form.find("Action")->second;
    {
      std::lock_guard lock(mu);
      ++calls[action];
    }
    std::vector<std::string> values;
    std::string filter_name;
    std::string token;
    for (const auto& [k, v] : form) {
      if (k.rfind("Filter.1.Value.", 0) == 0) values.push_back(v);
      if (k == "Filter.1.Name") filter_name = v;
      if (k == "NextToken") token = v;
    }
    for (int m = max_values_seen.load();
         static_cast<int>(values.size()) > m &&
         !max_values_seen.compare_exchange_weak(m, static_cast<int>(values.size()));) {
    }
    if (values.size() > 200) {
      HttpOutcome o;
      o.response.status = 400;
      o.response.body =
          "<Response><Errors><Error><Code>FilterLimitExceeded</Code><Message>The maximum number "
          "of filter values specified on a single call is 200</Message></Error></Errors>"
          "<RequestID>r</RequestID></Response>";
      return o;
    }
    for (const std::string& v : values) {
      if (denied_ips.count(v)) {
        HttpOutcome o;
        o.response.status = 403;
        o.response.body =
            "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not "
            "authorized to perform this operation.</Message></Error></Errors>"
            "<RequestID>r</RequestID></Response>";
        return o;
      }
    }
    std::vector<int> matches;
    for (int k = 0; k < eni_count; ++k) {
      const std::string ip = "10.0." + std::to_string(k / 256) + "." + std::to_string(k % 256);
      const std::string inst = "i-" + std::to_string(k);
      const std::string& key = action == "DescribeInstances" ? inst : ip;
      if (filter_name == "vpc-id" || std::find(values.begin(), values.end(), key) != values.end()) {
        matches.push_back(k);
      }
    }
    const size_t start = token.empty() ? 0 : std::stoul(token);
    const size_t end = std::min(matches.size(), start + static_cast<size_t>(page_size));
    std::string items;
    for (size_t i = start; i < end; ++i) {
      const int k = matches[i];
      const std::string ip = "10.0." + std::to_string(k / 256) + "." + std::to_string(k % 256);
      if (action == "DescribeInstances") {
        items += "<item><ownerId>123456789012</ownerId><instancesSet><item><instanceId>i-" +
                 std::to_string(k) +
                 "</instanceId><placement><availabilityZone>us-east-1a</availabilityZone>"
                 "</placement><instanceState><name>running</name></instanceState><tagSet><item>"
                 "<key>Name</key><value>host-" +
                 std::to_string(k) + "</value></item></tagSet></item></instancesSet></item>";
      } else {
        items += "<item><networkInterfaceId>eni-" + std::to_string(k) +
                 "</networkInterfaceId><interfaceType>interface</interfaceType><vpcId>vpc-1"
                 "</vpcId><privateIpAddress>" +
                 ip + "</privateIpAddress><attachment><instanceId>i-" + std::to_string(k) +
                 "</instanceId><instanceOwnerId>123456789012</instanceOwnerId></attachment>"
                 "</item>";
      }
    }
    const std::string next =
        end < matches.size() ? "<nextToken>" + std::to_string(end) + "</nextToken>" : "";
    if (action == "DescribeInstances") {
      return ok("<DescribeInstancesResponse><reservationSet>" + items + "</reservationSet>" + next +
                "</DescribeInstancesResponse>");
    }
    return ok("<DescribeNetworkInterfacesResponse><networkInterfaceSet>" + items +
              "</networkInterfaceSet>" + next + "</DescribeNetworkInterfacesResponse>");
  }

  static std::string query_param(const std::string& url, const std::string& name) {
    const size_t q = url.find('?');
    if (q == std::string::npos) return {};
    for (const auto& [k, v] : parse_form(std::string_view(url).substr(q + 1))) {
      if (k == name) return v;
    }
    return {};
  }

  HttpOutcome file_systems(const HttpRequest& request) {
    {
      std::lock_guard lock(mu);
      ++calls["DescribeFileSystems"];
    }
    const std::string marker = query_param(request.url, "Marker");
    const int start = marker.empty() ? 0 : std::stoi(marker);
    constexpr int kFileSystems = 7;
    nlohmann::json page;
    page["FileSystems"] = nlohmann::json::array();
    for (int i = start; i < std::min(kFileSystems, start + page_size); ++i) {
      page["FileSystems"].push_back({{"FileSystemId", "fs-" + std::to_string(i)},
                                     {"Name", "share-" + std::to_string(i)},
                                     {"OwnerId", "123456789012"},
                                     {"LifeCycleState", "available"}});
    }
    if (start + page_size < kFileSystems) page["NextMarker"] = std::to_string(start + page_size);
    return ok(page.dump());
  }

  HttpOutcome mount_targets(const HttpRequest& request) {
    {
      std::lock_guard lock(mu);
      ++calls["DescribeMountTargets"];
    }
    const std::string fs = query_param(request.url, "FileSystemId");
    if (fs == "fs-6") {
      HttpOutcome o;
      o.response.status = 403;
      o.response.headers = {{"x-amzn-ErrorType", "AccessDeniedException"}};
      o.response.body = R"({"ErrorCode":"AccessDeniedException","Message":"denied"})";
      return o;
    }
    const std::string marker = query_param(request.url, "Marker");
    nlohmann::json page;
    page["MountTargets"] = nlohmann::json::array();
    // Three mount targets per file system, two per page.
    const int start = marker.empty() ? 0 : 2;
    for (int az = start; az < std::min(3, start + 2); ++az) {
      page["MountTargets"].push_back(
          {{"MountTargetId", "fsmt-" + fs.substr(3) + std::to_string(az)},
           {"FileSystemId", fs},
           {"IpAddress", "10.9." + fs.substr(3) + "." + std::to_string(az)},
           {"NetworkInterfaceId", "eni-mt" + fs.substr(3) + std::to_string(az)},
           {"AvailabilityZoneName", std::string("us-east-1") + static_cast<char>('a' + az)},
           {"AvailabilityZoneId", "use1-az" + std::to_string(az + 1)},
           {"VpcId", "vpc-1"}});
    }
    if (start == 0) page["NextMarker"] = "2";
    return ok(page.dump());
  }
};

class NamesApiTest : public ::testing::Test {
 protected:
  NamesApiTest()
      : fake_(std::make_shared<FakeAws>()),
        client_(make_config(), std::make_shared<FixedCredentials>(), fake_) {}
  static ClientConfig make_config() {
    ClientConfig c;
    c.region = "us-east-1";
    c.endpoints.cli_url = "http://127.0.0.1:1";
    return c;
  }
  std::shared_ptr<FakeAws> fake_;
  AwsClient client_;
};

std::vector<std::string> ips(int from, int to) {
  std::vector<std::string> out;
  for (int k = from; k < to; ++k) {
    out.push_back("10.0." + std::to_string(k / 256) + "." + std::to_string(k % 256));
  }
  return out;
}

TEST_F(NamesApiTest, BatchesAt200ValuesAndFollowsPages) {
  fake_->page_size = 1000;
  fake_->rendezvous = 2;
  Ec2Api ec2(&client_, 4);
  // 650 wanted IPs (600 exist) -> ceil(650 / 200) = 4 calls.
  std::vector<std::string> wanted = ips(100, 700);
  for (int k = 0; k < 50; ++k) wanted.push_back("192.168.0." + std::to_string(k));
  auto r = ec2.describe_network_interfaces(kPrivateIpFilter, wanted);
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(r.items.size(), 600u);
  EXPECT_EQ(ec2.network_interface_calls(), 4);
  EXPECT_EQ(fake_->max_values_seen.load(), 200);
  EXPECT_GT(fake_->max_in_flight.load(), 1);  // batches ran concurrently
}

TEST_F(NamesApiTest, SmallPagesAreAllFollowed) {
  fake_->page_size = 7;
  Ec2Api ec2(&client_, 2);
  auto r = ec2.describe_network_interfaces(kPrivateIpFilter, ips(0, 50));
  EXPECT_TRUE(r.failures.empty());
  std::set<std::string> ids;
  for (const auto& e : r.items) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(ec2.network_interface_calls(), 8);  // ceil(50 / 7)
}

TEST_F(NamesApiTest, DeniedBatchIsReportedAndOthersSucceed) {
  fake_->page_size = 1000;
  fake_->denied_ips = {"10.0.1.44"};  // k = 300, in the second batch
  Ec2Api ec2(&client_, 4);
  auto r = ec2.describe_network_interfaces(kPrivateIpFilter, ips(0, 500));
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_EQ(r.failures[0].values.size(), 200u);
  EXPECT_EQ(r.failures[0].values.front(), "10.0.0.200");
  EXPECT_EQ(r.failures[0].status.code(), StatusCode::kAuth);
  EXPECT_NE(r.failures[0].status.message().find("ec2:DescribeNetworkInterfaces"), std::string::npos)
      << r.failures[0].status.message();
  EXPECT_EQ(r.items.size(), 300u);
}

TEST_F(NamesApiTest, VpcScanStopsAtPageBudget) {
  fake_->page_size = 100;
  Ec2Api ec2(&client_);
  VpcScan partial = ec2.scan_vpc_network_interfaces("vpc-1", 3);
  EXPECT_FALSE(partial.complete);
  EXPECT_EQ(partial.pages, 3);
  EXPECT_EQ(partial.items.size(), 300u);
  VpcScan full = ec2.scan_vpc_network_interfaces("vpc-1", 0);
  EXPECT_TRUE(full.complete);
  EXPECT_EQ(full.pages, 7);
  EXPECT_EQ(full.items.size(), 700u);
}

TEST_F(NamesApiTest, InstancesByIdFilterInBatches) {
  fake_->page_size = 1000;
  Ec2Api ec2(&client_);
  std::vector<std::string> ids;
  for (int k = 0; k < 450; ++k) ids.push_back("i-" + std::to_string(k));
  ids.push_back("i-terminated-long-ago");
  auto r = ec2.describe_instances(ids);
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(r.items.size(), 450u);
  EXPECT_EQ(ec2.instance_calls(), 3);
  EXPECT_EQ(r.items[0].tag("Name").rfind("host-", 0), 0u);
  EXPECT_EQ(r.items[0].availability_zone, "us-east-1a");
}

TEST_F(NamesApiTest, EfsInventoryPaginatesAndKeepsOtherFileSystemsOnFailure) {
  EfsApi efs(&client_, 4);
  Result<EfsInventory> inv = efs.describe_inventory();
  ASSERT_TRUE(inv.ok()) << inv.status().to_string();
  EXPECT_EQ(inv->file_systems.size(), 7u);
  EXPECT_EQ(efs.file_system_calls(), 3);  // 7 file systems, 3 per page
  ASSERT_EQ(inv->failures.size(), 1u);
  EXPECT_EQ(inv->failures[0].file_system_id, "fs-6");
  EXPECT_EQ(inv->failures[0].status.code(), StatusCode::kAuth);
  EXPECT_EQ(inv->mount_targets.size(), 18u);  // 6 file systems x 3 AZs
  EXPECT_EQ(efs.mount_target_calls(), 6 * 2 + 1);
  std::set<std::string> azs;
  for (const auto& m : inv->mount_targets) azs.insert(m.availability_zone_id);
  EXPECT_EQ(azs.size(), 3u);
}

TEST(Ec2ParseTest, ParsesBotocoreFixture) {
  const std::string xml =
      read_file(std::string(EFSTOP_SOURCE_DIR) +
                "/tests/fixtures/responses/ec2-DescribeNetworkInterfaces.botocore.xml");
  ASSERT_FALSE(xml.empty());
  Result<XmlDocument> doc = XmlDocument::parse(xml);
  ASSERT_TRUE(doc.ok());
  auto enis = parse_network_interfaces(doc->root());
  ASSERT_EQ(enis.size(), 2u);
  EXPECT_EQ(enis[0].id, "eni-0f62d866");
  EXPECT_EQ(enis[0].private_ips,
            (std::vector<std::string>{"10.0.0.146", "10.0.0.148", "10.0.0.150"}));
  EXPECT_EQ(enis[0].instance_id, "i-22197876");
  EXPECT_EQ(enis[0].instance_owner_id, "123456789012");
  EXPECT_EQ(enis[0].availability_zone, "ap-southeast-1b");
  EXPECT_EQ(enis[1].description, "Primary network interface");
  EXPECT_EQ(enis[1].private_ips, (std::vector<std::string>{"10.0.1.233", "10.0.1.20"}));
}

TEST(Ec2ParseTest, ParsesPublicAndIpv6AddressesAndTags) {
  Result<XmlDocument> doc = XmlDocument::parse(R"(<DescribeNetworkInterfacesResponse
      xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><networkInterfaceSet><item>
      <networkInterfaceId>eni-1</networkInterfaceId><interfaceType>nat_gateway</interfaceType>
      <requesterManaged>true</requesterManaged><requesterId>amazon</requesterId>
      <availabilityZoneId>use1-az4</availabilityZoneId>
      <privateIpAddress>10.0.0.9</privateIpAddress>
      <association><publicIp>54.1.2.3</publicIp></association>
      <privateIpAddressesSet><item><privateIpAddress>10.0.0.9</privateIpAddress>
        <association><publicIp>54.1.2.3</publicIp></association></item>
        <item><privateIpAddress>10.0.0.10</privateIpAddress>
        <association><publicIp>54.1.2.4</publicIp></association></item></privateIpAddressesSet>
      <ipv6AddressesSet><item><ipv6Address>2001:db8::9</ipv6Address></item></ipv6AddressesSet>
      <tagSet><item><key>Name</key><value>egress</value></item><item><key>empty</key><value/></item></tagSet>
      </item></networkInterfaceSet></DescribeNetworkInterfacesResponse>)");
  ASSERT_TRUE(doc.ok());
  auto enis = parse_network_interfaces(doc->root());
  ASSERT_EQ(enis.size(), 1u);
  EXPECT_EQ(enis[0].interface_type, "nat_gateway");
  EXPECT_TRUE(enis[0].requester_managed);
  EXPECT_EQ(enis[0].availability_zone_id, "use1-az4");
  EXPECT_EQ(enis[0].private_ips, (std::vector<std::string>{"10.0.0.9", "10.0.0.10"}));
  EXPECT_EQ(enis[0].public_ips, (std::vector<std::string>{"54.1.2.3", "54.1.2.4"}));
  EXPECT_EQ(enis[0].ipv6_ips, (std::vector<std::string>{"2001:db8::9"}));
  EXPECT_EQ(enis[0].tag("Name"), "egress");
  ASSERT_EQ(enis[0].tags.size(), 2u);
  EXPECT_EQ(enis[0].tags[1].second, "");
}

// The wire form the test endpoint serialises from botocore's model
// (DescribeVpcEndpointsResult: vpcEndpointSet, networkInterfaceIdSet, tagSet).
TEST(Ec2ParseTest, ParsesVpcEndpoints) {
  Result<XmlDocument> doc = XmlDocument::parse(R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><vpcEndpointSet><item><vpcEndpointId>vpce-0a1b2c3d4e5f67890</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>vpc-1</vpcId><serviceName>com.amazonaws.eu-west-1.s3</serviceName><state>available</state><networkInterfaceIdSet><item>eni-1</item><item>eni-2</item></networkInterfaceIdSet><tagSet><item><key>Name</key><value>s3-private</value></item></tagSet><ownerId>111122223333</ownerId></item><item><vpcEndpointId>vpce-2</vpcEndpointId><vpcEndpointType>Gateway</vpcEndpointType><serviceName>com.amazonaws.eu-west-1.dynamodb</serviceName><routeTableIdSet><item>rtb-1</item></routeTableIdSet></item></vpcEndpointSet><nextToken>t</nextToken></DescribeVpcEndpointsResponse>)");
  ASSERT_TRUE(doc.ok());
  auto endpoints = parse_vpc_endpoints(doc->root());
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_EQ(endpoints[0].id, "vpce-0a1b2c3d4e5f67890");
  EXPECT_EQ(endpoints[0].type, "Interface");
  EXPECT_EQ(endpoints[0].service_name, "com.amazonaws.eu-west-1.s3");
  EXPECT_EQ(endpoints[0].vpc_id, "vpc-1");
  EXPECT_EQ(endpoints[0].state, "available");
  EXPECT_EQ(endpoints[0].owner_id, "111122223333");
  EXPECT_EQ(endpoints[0].network_interface_ids, (std::vector<std::string>{"eni-1", "eni-2"}));
  EXPECT_EQ(endpoints[0].tag("Name"), "s3-private");
  EXPECT_EQ(endpoints[1].type, "Gateway");
  EXPECT_TRUE(endpoints[1].network_interface_ids.empty());  // route tables are not ENIs
  EXPECT_TRUE(endpoints[1].tags.empty());
}

TEST(Ec2ParseTest, ParsesInstancesFixture) {
  const std::string xml = read_file(std::string(EFSTOP_SOURCE_DIR) +
                                    "/tests/fixtures/responses/ec2-DescribeInstances.botocore.xml");
  Result<XmlDocument> doc = XmlDocument::parse(xml);
  ASSERT_TRUE(doc.ok());
  auto instances = parse_instances(doc->root());
  ASSERT_FALSE(instances.empty());
  EXPECT_EQ(instances[0].id.rfind("i-", 0), 0u);
  EXPECT_FALSE(instances[0].owner_id.empty());
}

TEST(EfsParseTest, ParsesDocsFixturesAndRejectsWrongTypes) {
  auto fs = parse_file_systems(nlohmann::json::parse(
      read_file(std::string(EFSTOP_SOURCE_DIR) +
                "/tests/fixtures/responses/efs-DescribeFileSystems.docs.json")));
  ASSERT_TRUE(fs.ok());
  ASSERT_EQ(fs->size(), 1u);
  EXPECT_EQ((*fs)[0].id, "fs-01234567");
  EXPECT_EQ((*fs)[0].name, "my first file system");
  auto mt = parse_mount_targets(nlohmann::json::parse(
      read_file(std::string(EFSTOP_SOURCE_DIR) +
                "/tests/fixtures/responses/efs-DescribeMountTargets.docs.json")));
  ASSERT_TRUE(mt.ok());
  ASSERT_EQ(mt->size(), 1u);
  EXPECT_EQ((*mt)[0].ip, "10.0.2.42");
  EXPECT_EQ((*mt)[0].eni_id, "eni-1bcb7772");
  auto bad = parse_mount_targets(nlohmann::json::parse(R"({"MountTargets":[{"IpAddress":5}]})"));
  EXPECT_EQ(bad.status().code(), StatusCode::kParse);
  auto tagged = parse_file_systems(nlohmann::json::parse(
      R"({"FileSystems":[{"FileSystemId":"fs-1","Tags":[{"Key":"Name","Value":"from-tags"}]}]})"));
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ((*tagged)[0].name, "from-tags");
  // A tag whose Key is not a string is not a Name tag (found by reading the
  // fuzz target's reach: it used to throw a type error out of the parser).
  auto odd = parse_file_systems(nlohmann::json::parse(
      R"({"FileSystems":[{"FileSystemId":"fs-1","Tags":[{"Key":5,"Value":"x"},7,)"
      R"({"Key":"Name","Value":"named"}]}]})"));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ((*odd)[0].name, "named");
}

}  // namespace
}  // namespace efstop::aws
