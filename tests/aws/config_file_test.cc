#include "aws/config_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness/no_descriptors.h"

namespace efstop::aws {
namespace {

Result<SharedConfig> from(std::optional<std::string_view> config,
                          std::optional<std::string_view> credentials = std::nullopt) {
  return SharedConfig::from_text(config, "/h/.aws/config", credentials, "/h/.aws/credentials");
}

TEST(IniParseTest, SectionsKeysAndWhitespace) {
  Result<IniFile> ini = parse_ini(
      "  # leading comment\n"
      "[ default ]\n"
      "Region=eu-west-1\n"
      "  \n"
      "[profile dev]   ; trailing comment on a header\n"
      "\tOUTPUT =   json   \n",
      "f");
  ASSERT_TRUE(ini.ok()) << ini.status().to_string();
  ASSERT_EQ(ini->sections.size(), 2u);
  EXPECT_EQ(ini->sections[0].header, "default");
  EXPECT_EQ(ini->sections[0].values.at("region").value, "eu-west-1");
  EXPECT_EQ(ini->sections[0].values.at("region").line, 3);
  EXPECT_EQ(ini->sections[1].header, "profile dev");
  // An indented line right after a header is a setting, not a continuation.
  EXPECT_EQ(ini->sections[1].values.at("output").value, "json");
}

TEST(IniParseTest, InlineCommentsNeedWhitespaceBefore) {
  Result<IniFile> ini = parse_ini(
      "[default]\n"
      "a = value # comment\n"
      "b = value ; comment\n"
      "c = va#lue;x\n"
      "d = # only a comment\n"
      "e = x\t#tab comment\n",
      "f");
  ASSERT_TRUE(ini.ok()) << ini.status().to_string();
  const auto& v = ini->sections[0].values;
  EXPECT_EQ(v.at("a").value, "value");
  EXPECT_EQ(v.at("b").value, "value");
  EXPECT_EQ(v.at("c").value, "va#lue;x");
  EXPECT_EQ(v.at("d").value, "");
  EXPECT_EQ(v.at("e").value, "x");
}

TEST(IniParseTest, NestedBlocksAndContinuations) {
  Result<IniFile> ini = parse_ini(
      "[profile dev]\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "  Endpoint_URL = http://127.0.0.1:9000  # local\n"
      "region = us-east-1\n"
      "note = first\n"
      "  second\n"
      "\tthird\n",
      "f");
  ASSERT_TRUE(ini.ok()) << ini.status().to_string();
  const auto& v = ini->sections[0].values;
  EXPECT_EQ(v.at("s3").value, "");
  EXPECT_EQ(v.at("s3").nested.at("addressing_style"), "path");
  EXPECT_EQ(v.at("s3").nested.at("endpoint_url"), "http://127.0.0.1:9000");
  EXPECT_EQ(v.at("region").value, "us-east-1");
  EXPECT_EQ(v.at("note").value, "first\nsecond\nthird");
}

TEST(IniParseTest, SettingsIndentedAlikeAreSeparateSettings) {
  Result<IniFile> ini = parse_ini(
      "[default]\n"
      "  region = eu-west-1\n"
      "  s3 =\n"
      "    addressing_style = path\n"
      "  output = json\n"
      "    more\n",
      "f");
  ASSERT_TRUE(ini.ok()) << ini.status().to_string();
  const auto& v = ini->sections[0].values;
  EXPECT_EQ(v.at("region").value, "eu-west-1");
  EXPECT_EQ(v.at("s3").nested.at("addressing_style"), "path");
  EXPECT_EQ(v.at("output").value, "json\nmore");
}

TEST(IniParseTest, RepeatedSectionsMergeAndLastKeyWins) {
  Result<IniFile> ini = parse_ini("[a]\nx = 1\ny = 1\n[b]\n[a]\nx = 2\n", "f");
  ASSERT_TRUE(ini.ok());
  ASSERT_EQ(ini->sections.size(), 2u);
  EXPECT_EQ(ini->sections[0].values.at("x").value, "2");
  EXPECT_EQ(ini->sections[0].values.at("x").line, 6);
  EXPECT_EQ(ini->sections[0].values.at("y").value, "1");
}

TEST(IniParseTest, CrLfLinesAndByteOrderMark) {
  Result<IniFile> ini = parse_ini("\xEF\xBB\xBF[default]\r\nregion = eu-north-1\r\n", "f");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ(ini->sections[0].header, "default");
  EXPECT_EQ(ini->sections[0].values.at("region").value, "eu-north-1");
}

TEST(IniParseTest, MalformedLineNamesFileAndLineWithoutEchoingIt) {
  Result<IniFile> ini =
      parse_ini("[default]\naws_access_key_id = AKIA\nwJalrXUtnFEMI/K7MDENG+SECRET\n", "/x/creds");
  ASSERT_FALSE(ini.ok());
  EXPECT_EQ(ini.status().code(), StatusCode::kParse);
  EXPECT_NE(ini.status().message().find("/x/creds line 3"), std::string::npos)
      << ini.status().message();
  EXPECT_EQ(ini.status().message().find("wJalr"), std::string::npos);
}

TEST(IniParseTest, SettingBeforeAnySectionIsAnError) {
  Result<IniFile> ini = parse_ini("# hi\nregion = us-east-1\n[default]\n", "cfg");
  ASSERT_FALSE(ini.ok());
  EXPECT_NE(ini.status().message().find("cfg line 2"), std::string::npos);
  EXPECT_NE(ini.status().message().find("before any [section]"), std::string::npos);
}

TEST(IniParseTest, UnclosedHeaderAndEmptyNamesAreErrors) {
  EXPECT_FALSE(parse_ini("[default\n", "f").ok());
  EXPECT_FALSE(parse_ini("[]\n", "f").ok());
  EXPECT_FALSE(parse_ini("[default] junk\n", "f").ok());
  EXPECT_FALSE(parse_ini("[default]\n = value\n", "f").ok());
  Result<IniFile> bad_nested = parse_ini("[default]\ns3 =\n  not a setting\n", "f");
  ASSERT_FALSE(bad_nested.ok());
  EXPECT_NE(bad_nested.status().message().find("f line 3"), std::string::npos);
}

TEST(SharedConfigTest, ProfilePrefixInConfigPlainNamesInCredentials) {
  Result<SharedConfig> sc = from(
      "[default]\nregion = us-east-1\n"
      "[profile dev]\nregion = eu-west-1\n"
      "[prod]\nregion = ap-south-1\n",  // not a profile in the config file
      "[dev]\naws_access_key_id = AKIDDEV\n"
      "[profile odd]\nx = 1\n");
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  ASSERT_NE(sc->profile("default"), nullptr);
  EXPECT_EQ(sc->profile("default")->get("region"), "us-east-1");
  ASSERT_NE(sc->profile("dev"), nullptr);
  EXPECT_EQ(sc->profile("dev")->get("region"), "eu-west-1");
  EXPECT_EQ(sc->profile("dev")->get("aws_access_key_id"), "AKIDDEV");
  EXPECT_EQ(sc->profile("prod"), nullptr);
  // In the credentials file the section name is the profile name verbatim.
  EXPECT_NE(sc->profile("profile odd"), nullptr);
  EXPECT_EQ(sc->profile("odd"), nullptr);
}

TEST(SharedConfigTest, CredentialsFileOverridesConfigKeyByKey) {
  Result<SharedConfig> sc = from("[profile dev]\nregion = eu-west-1\naws_access_key_id = CFG\n",
                                 "[dev]\naws_access_key_id = CRED\n");
  ASSERT_TRUE(sc.ok());
  const ConfigSection* dev = sc->profile("dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->get("aws_access_key_id"), "CRED");
  EXPECT_EQ(dev->find("aws_access_key_id")->file, "/h/.aws/credentials");
  EXPECT_EQ(dev->where("region"), "/h/.aws/config line 2");
}

TEST(SharedConfigTest, ProfileDefaultWinsOverDefault) {
  Result<SharedConfig> sc =
      from("[profile default]\nregion = eu-central-1\n[default]\nregion = us-west-2\nout = x\n");
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ(sc->profile("default")->get("region"), "eu-central-1");
  EXPECT_EQ(sc->profile("default")->get("out"), "x");
}

TEST(SharedConfigTest, SsoSessionsAndServiceEndpoints) {
  Result<SharedConfig> sc = from(
      "[profile dev]\nsso_session = corp\nservices = local\nendpoint_url = http://global:1\n"
      "[profile plain]\nregion = us-east-1\n"
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = "
      "eu-west-1\n"
      "[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:4566\n"
      "cloudwatch_logs =\n  endpoint_url = http://127.0.0.1:4567\n");
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  ASSERT_NE(sc->sso_session("corp"), nullptr);
  EXPECT_EQ(sc->sso_session("corp")->get("sso_region"), "eu-west-1");
  EXPECT_EQ(sc->endpoint_url("dev", "ec2"), "http://127.0.0.1:4566");
  EXPECT_EQ(sc->endpoint_url("dev", "cloudwatch_logs"), "http://127.0.0.1:4567");
  EXPECT_EQ(sc->endpoint_url("dev", "s3"), "http://global:1");
  EXPECT_EQ(sc->endpoint_url("plain", "ec2"), std::nullopt);
  EXPECT_EQ(sc->endpoint_url("nope", "ec2"), std::nullopt);
}

TEST(SharedConfigTest, MissingProfileExplanationNamesBothFilesAndTheFix) {
  Result<SharedConfig> sc = from("[default]\n[prod]\nregion = x\n", std::nullopt);
  ASSERT_TRUE(sc.ok());
  std::string msg = sc->explain_missing_profile("prod");
  EXPECT_NE(msg.find("/h/.aws/config"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/h/.aws/credentials (no such file)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 2 has [prod]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[profile prod]"), std::string::npos) << msg;
  std::string other = sc->explain_missing_profile("qa");
  EXPECT_NE(other.find("known profiles: default"), std::string::npos) << other;
}

class SharedConfigFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/efstop_cfg_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ + "/.aws");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ + "/" + rel) << text;
  }
  std::string dir_;
};

TEST_F(SharedConfigFilesTest, DefaultsUnderHomeAndEnvOverrides) {
  write(".aws/config", "[profile a]\nregion = eu-west-3\n");
  write(".aws/credentials", "[a]\naws_access_key_id = AK\n");
  write("other", "[profile b]\nregion = sa-east-1\n");
  EnvVars env({{"HOME", dir_}});
  Result<SharedConfig> sc = SharedConfig::load(env);
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  EXPECT_EQ(sc->config_path(), dir_ + "/.aws/config");
  EXPECT_TRUE(sc->has_config_file());
  EXPECT_TRUE(sc->has_credentials_file());
  EXPECT_EQ(sc->profile("a")->get("region"), "eu-west-3");

  Result<SharedConfig> other = SharedConfig::load(env.with("AWS_CONFIG_FILE", "~/other"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->config_path(), dir_ + "/other");
  EXPECT_EQ(other->profile("b")->get("region"), "sa-east-1");
  EXPECT_EQ(other->profile("a")->get("region"), std::nullopt);
}

TEST_F(SharedConfigFilesTest, MissingFilesAreFineDirectoriesAndBadFilesAreNot) {
  EnvVars env({{"HOME", dir_ + "/nowhere"}});
  Result<SharedConfig> none = SharedConfig::load(env);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_config_file());
  EXPECT_FALSE(none->has_credentials_file());

  Result<SharedConfig> dir = SharedConfig::load(EnvVars({{"AWS_CONFIG_FILE", dir_}}));
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);

  write("bad", "[default]\nthis line is wrong\n");
  Result<SharedConfig> bad =
      SharedConfig::load(EnvVars({{"HOME", dir_}, {"AWS_SHARED_CREDENTIALS_FILE", dir_ + "/bad"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(dir_ + "/bad line 2"), std::string::npos);
}

// A file that cannot be opened for a reason other than permissions is not
// blamed on them: a socket where the config file should be (ENXIO).
TEST_F(SharedConfigFilesTest, AFileThatCannotBeOpenedSaysWhyWithoutBlamingPermissions) {
  const std::string path = dir_ + "/socket";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  Result<SharedConfig> sc = SharedConfig::load(EnvVars({{"AWS_CONFIG_FILE", path}}));
  ::close(fd);
  ASSERT_FALSE(sc.ok());
  const std::string m = sc.status().message();
  EXPECT_NE(m.find("read config file " + path + ": " + std::strerror(ENXIO)), std::string::npos)
      << m;
  EXPECT_EQ(m.find("permissions"), std::string::npos) << m;
}

// Out of descriptors, the message says what to raise (the file is fine).
TEST_F(SharedConfigFilesTest, OutOfDescriptorsSaysToRaiseTheLimit) {
  write("config", "[default]\nregion = eu-west-3\n");
  const EnvVars env({{"AWS_CONFIG_FILE", dir_ + "/config"}, {"HOME", dir_}});
  Result<std::string> got = efstop::testing::run_without_descriptors([&] {
    Result<SharedConfig> sc = SharedConfig::load(env);
    return sc.ok() ? std::string("loaded") : sc.status().message();
  });
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(*got, "read config file " + dir_ + "/config: too many open files: raise `ulimit -n`");
}

TEST(ExpandHomeTest, OnlyLeadingTilde) {
  EnvVars env({{"HOME", "/test-home/u"}});
  EXPECT_EQ(expand_home("~/.aws/config", env), "/test-home/u/.aws/config");
  EXPECT_EQ(expand_home("~", env), "/test-home/u");
  EXPECT_EQ(expand_home("/a/~/b", env), "/a/~/b");
  EXPECT_EQ(expand_home("~user/x", env), "~user/x");
}

}  // namespace
}  // namespace efstop::aws
