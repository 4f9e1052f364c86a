#include "enrich/inventory.h"

#include "gtest/gtest.h"

namespace efstop::enrich {
namespace {

Inventory sample() {
  Inventory inv;
  inv.account = "123456789012";
  inv.region = "us-east-1";
  inv.generated_at = 1795701900;  // 2026-11-26T14:05:00Z
  inv.file_systems.push_back({"fs-0b", "home",
                              "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0b",
                              "123456789012", "available", "", "", "provisioned", 128.0});
  inv.file_systems.push_back(
      {"fs-0a", "", "", "123456789012", "available", "us-east-1b", "use1-az2", "", std::nullopt});
  inv.mount_targets.push_back({"fsmt-1", "fs-0b", "10.0.1.20", "", "eni-mt1", "subnet-1",
                               "us-east-1a", "use1-az1", "vpc-1", "123456789012", "available"});
  EniDescription e;
  e.id = "eni-1";
  e.interface_type = "interface";
  e.description = "Primary network interface";
  e.instance_id = "i-1";
  e.instance_owner_id = "123456789012";
  e.requester_managed = true;
  e.private_ips = {"10.0.1.5", "10.0.1.6"};
  e.public_ips = {"54.1.2.3"};
  e.ipv6_ips = {"2001:db8::5"};
  e.tags = {{"Name", "web \x1b[31m"}, {"team", "a"}};
  inv.network_interfaces.push_back(e);
  inv.instances.push_back(
      {"i-1", "us-east-1a", "123456789012", "running", "10.0.1.5", {{"Name", "web"}}});
  inv.vpc_endpoints.push_back({"vpce-1",
                               "Interface",
                               "com.amazonaws.us-east-1.s3",
                               "vpc-1",
                               "available",
                               "123456789012",
                               {"eni-v1", "eni-v2"},
                               {{"Name", "s3"}}});
  store::Assignment a;
  a.ip = "10.0.9.9";
  a.eni_id = "eni-gone";
  a.kind = "lambda";
  a.name = "fn";
  a.resource_id = "fn";
  a.first_seen = 100;
  a.last_seen = 200;
  inv.history.push_back(a);
  return inv;
}

TEST(InventoryTest, RoundTripsEveryField) {
  const Inventory inv = sample();
  const std::string text = inventory_to_json(inv);
  Result<Inventory> back = inventory_from_json(text, "dump.json");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->account, inv.account);
  EXPECT_EQ(back->region, inv.region);
  EXPECT_EQ(back->generated_at, inv.generated_at);
  ASSERT_EQ(back->file_systems.size(), 2u);
  EXPECT_EQ(back->file_systems[0].id, "fs-0a");  // sorted
  EXPECT_TRUE(back->file_systems[0].is_one_zone());
  EXPECT_EQ(back->file_systems[1].name, "home");
  EXPECT_EQ(back->file_systems[1].throughput_mode, "provisioned");
  EXPECT_EQ(back->file_systems[1].provisioned_mibps, 128.0);
  EXPECT_EQ(back->file_systems[0].throughput_mode, "");
  EXPECT_FALSE(back->file_systems[0].provisioned_mibps.has_value());
  ASSERT_EQ(back->mount_targets.size(), 1u);
  EXPECT_EQ(back->mount_targets[0].availability_zone_id, "use1-az1");
  ASSERT_EQ(back->network_interfaces.size(), 1u);
  const EniDescription& e = back->network_interfaces[0];
  EXPECT_EQ(e.private_ips, inv.network_interfaces[0].private_ips);
  EXPECT_EQ(e.public_ips, inv.network_interfaces[0].public_ips);
  EXPECT_EQ(e.ipv6_ips, inv.network_interfaces[0].ipv6_ips);
  EXPECT_TRUE(e.requester_managed);
  EXPECT_EQ(e.tag("Name"), "web \x1b[31m");
  EXPECT_EQ(back->instances[0].tag("Name"), "web");
  ASSERT_EQ(back->vpc_endpoints.size(), 1u);
  const VpcEndpointInfo& v = back->vpc_endpoints[0];
  EXPECT_EQ(v.id, "vpce-1");
  EXPECT_EQ(v.type, "Interface");
  EXPECT_EQ(v.service_name, "com.amazonaws.us-east-1.s3");
  EXPECT_EQ(v.vpc_id, "vpc-1");
  EXPECT_EQ(v.state, "available");
  EXPECT_EQ(v.owner_id, "123456789012");
  EXPECT_EQ(v.network_interface_ids, (std::vector<std::string>{"eni-v1", "eni-v2"}));
  EXPECT_EQ(v.tag("Name"), "s3");
  Result<VpcEndpointInfo> cached = vpc_endpoint_from_json(vpc_endpoint_to_json(v));
  ASSERT_TRUE(cached.ok()) << cached.status().to_string();
  EXPECT_EQ(cached->service_name, v.service_name);
  ASSERT_EQ(back->history.size(), 1u);
  EXPECT_EQ(back->history[0].first_seen, 100);
  EXPECT_EQ(back->history[0].last_seen, 200);
  // Serialising again gives the same bytes.
  EXPECT_EQ(inventory_to_json(*back), text);
}

TEST(InventoryTest, RejectsNonDumps) {
  Result<Inventory> r = inventory_from_json("{\"rows\": []}", "report.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kParse);
  EXPECT_NE(r.status().message().find("report.json"), std::string::npos);
  EXPECT_NE(r.status().message().find("efstop_inventory"), std::string::npos);

  r = inventory_from_json("{not json", "x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("x.json: not valid JSON at byte"), std::string::npos);

  r = inventory_from_json("{\"efstop_inventory\": 7}", "x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("format 7"), std::string::npos);
}

TEST(InventoryTest, NamesThePathOfABadMember) {
  Result<Inventory> r = inventory_from_json(
      R"({"efstop_inventory":1,"mount_targets":[{"file_system_id":"fs-1","ip":"10.0.0.1"},
          {"file_system_id":"fs-1","ip":7}]})",
      "inv.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "inv.json: mount_targets[1].ip: expected a string");

  r = inventory_from_json(
      R"({"efstop_inventory":1,"history":[{"ip":"1.2.3.4","first_seen":"yesterday"}]})",
      "inv.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("history[0].first_seen: bad time 'yesterday'"),
            std::string::npos);
}

TEST(InventoryTest, UnknownMembersAreIgnored) {
  Result<Inventory> r = inventory_from_json(
      R"({"efstop_inventory":1,"future":{"x":1},"instances":[{"id":"i-1","new_field":3}]})", "i");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->instances.size(), 1u);
}

TEST(InventoryTest, UtcTimesRoundTrip) {
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(1795701900), "2026-11-26T14:05:00Z");
  EXPECT_EQ(*parse_utc("2026-11-26T14:05:00Z"), 1795701900);
  EXPECT_FALSE(parse_utc("2026-11-26 14:05:00").ok());
  EXPECT_FALSE(parse_utc("2026-11-26T14:05:00+01:00").ok());
}

}  // namespace
}  // namespace efstop::enrich
