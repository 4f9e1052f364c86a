#include "report/address_order.h"

#include <gtest/gtest.h>

namespace efstop::report {
namespace {

TEST(AddressOrderTest, Ipv4OrdersNumericallyNotAsText) {
  EXPECT_TRUE(address_less("9.0.0.1", "10.0.0.1"));
  EXPECT_TRUE(address_less("10.0.0.2", "10.0.0.10"));
  EXPECT_FALSE(address_less("10.0.0.10", "10.0.0.2"));
  EXPECT_FALSE(address_less("10.0.0.1", "10.0.0.1"));
}

TEST(AddressOrderTest, Ipv4BeforeIpv6) {
  EXPECT_TRUE(address_less("255.255.255.255", "::"));
  EXPECT_TRUE(address_less("0.0.0.0", "::1"));
  EXPECT_FALSE(address_less("::1", "1.1.1.1"));
}

TEST(AddressOrderTest, Ipv6OrdersNumericallyWhateverTheSpelling) {
  EXPECT_TRUE(address_less("2001:db8::2", "2001:db8::10"));
  EXPECT_TRUE(address_less("2001:db8::ffff", "2001:db8:0:0:0:0:1:0"));
  EXPECT_EQ(make_address_key("2001:DB8::1"), make_address_key("2001:db8:0::1"));
}

TEST(AddressOrderTest, Ipv4MappedIsIpv4) {
  EXPECT_EQ(make_address_key("::ffff:10.0.0.1"), make_address_key("10.0.0.1"));
  EXPECT_TRUE(address_less("::ffff:10.0.0.1", "10.0.0.2"));
  EXPECT_TRUE(address_less("10.0.0.2", "::1"));
}

TEST(AddressOrderTest, NonAddressesSortLastByText) {
  EXPECT_TRUE(address_less("ffff::1", "not-an-ip"));
  EXPECT_TRUE(address_less("abc", "abd"));
  EXPECT_EQ(make_address_key("10.0.0.1/24").family_rank, 2);
}

}  // namespace
}  // namespace efstop::report
