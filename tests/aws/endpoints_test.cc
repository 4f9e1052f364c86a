// Endpoint resolution per partition and the AWS CLI's override precedence.
#include "aws/endpoints.h"

#include <gtest/gtest.h>

#include <map>

namespace efstop::aws {
namespace {

TEST(Endpoints, DefaultsPerPartition) {
  EndpointOverrides none;
  EXPECT_EQ(resolve_endpoint(Service::kEc2, "us-east-1", none)->url,
            "https://ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(Service::kEfs, "eu-west-2", none)->url,
            "https://elasticfilesystem.eu-west-2.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(Service::kLogs, "cn-north-1", none)->url,
            "https://logs.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(resolve_endpoint(Service::kSts, "us-gov-west-1", none)->url,
            "https://sts.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(Service::kS3, "cn-northwest-1", none)->url,
            "https://s3.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(resolve_endpoint(Service::kSso, "eu-central-1", none)->url,
            "https://portal.sso.eu-central-1.amazonaws.com");
  auto e = resolve_endpoint(Service::kEc2, "ap-southeast-4", none);
  EXPECT_EQ(e->signing_region, "ap-southeast-4");
  EXPECT_FALSE(e->is_custom);
  EXPECT_EQ(partition_of("us-gov-east-1"), "aws-us-gov");
  EXPECT_EQ(partition_of("cn-north-1"), "aws-cn");
  EXPECT_EQ(partition_of("il-central-1"), "aws");
}

TEST(Endpoints, MissingRegionIsAClearError) {
  auto e = resolve_endpoint(Service::kEc2, "", {});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("--region"), std::string::npos);
}

TEST(Endpoints, PrecedenceFollowsTheAwsCli) {
  EndpointOverrides o;
  o.config_url = "https://config-global.example";
  EXPECT_EQ(resolve_endpoint(Service::kEc2, "us-east-1", o)->source, "config endpoint_url");
  o.config_service_urls["ec2"] = "https://config-ec2.example/";
  EXPECT_EQ(resolve_endpoint(Service::kEc2, "us-east-1", o)->url, "https://config-ec2.example");
  EXPECT_EQ(resolve_endpoint(Service::kEfs, "us-east-1", o)->url, "https://config-global.example");
  // Environment beats the config file (botocore configprovider order).
  o.env_url = "https://env-global.example";
  EXPECT_EQ(resolve_endpoint(Service::kEc2, "us-east-1", o)->url, "https://env-global.example");
  o.env_service_urls["EC2"] = "http://127.0.0.1:9000";
  auto e = resolve_endpoint(Service::kEc2, "us-east-1", o);
  EXPECT_EQ(e->url, "http://127.0.0.1:9000");
  EXPECT_EQ(e->source, "AWS_ENDPOINT_URL_EC2");
  EXPECT_TRUE(e->is_custom);
  EXPECT_EQ(e->signing_region, "us-east-1");
  o.cli_url = "http://127.0.0.1:9999";
  EXPECT_EQ(resolve_endpoint(Service::kEc2, "us-east-1", o)->url, "http://127.0.0.1:9999");
  o.cli_url.clear();
  o.ignore_configured = true;
  EXPECT_EQ(resolve_endpoint(Service::kEc2, "us-east-1", o)->url,
            "https://ec2.us-east-1.amazonaws.com");
}

TEST(Endpoints, RejectsNonHttpUrls) {
  EndpointOverrides o;
  o.cli_url = "ec2.local:9000";
  auto e = resolve_endpoint(Service::kEc2, "us-east-1", o);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("--endpoint-url"), std::string::npos);
}

TEST(Endpoints, LoadsServiceSpecificEnvironmentVariables) {
  std::map<std::string, std::string> env = {
      {"AWS_ENDPOINT_URL", "http://all:1"},
      {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://logs:2"},
      {"AWS_ENDPOINT_URL_EFS", "http://efs:3"},
      {"AWS_ENDPOINT_URL_STS", "http://sts:4"},
  };
  EndpointOverrides o;
  load_endpoint_env(o, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_EQ(o.env_url, "http://all:1");
  EXPECT_EQ(resolve_endpoint(Service::kLogs, "us-east-1", o)->url, "http://logs:2");
  EXPECT_EQ(resolve_endpoint(Service::kEfs, "us-east-1", o)->url, "http://efs:3");
  EXPECT_EQ(resolve_endpoint(Service::kSts, "us-east-1", o)->url, "http://sts:4");
  EXPECT_EQ(resolve_endpoint(Service::kEc2, "us-east-1", o)->url, "http://all:1");
  EXPECT_FALSE(o.ignore_configured);
  env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  load_endpoint_env(o, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_TRUE(o.ignore_configured);
}

}  // namespace
}  // namespace efstop::aws
