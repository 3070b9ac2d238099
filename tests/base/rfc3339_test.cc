#include "operator/base/rfc3339.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace ferry {
namespace {

using std::chrono::system_clock;

// 2026-11-25T10:00:00Z
constexpr std::int64_t kBase = 1795600800;

struct ParsesCase {
  std::string text;
  std::int64_t seconds;  // since the epoch
  std::int64_t nanos;    // added to `seconds`
};

TEST(ParseRfc3339Test, ParsesWhatTheApiServerAndGoWrite) {
  const ParsesCase cases[] = {
      {"2026-11-25T10:00:00Z", kBase, 0},
      {"2026-11-25t10:00:00z", kBase, 0},
      {"2026-11-25T10:00:00.305278Z", kBase, 305278000},           // MicroTime
      {"2026-11-25T10:00:00.5Z", kBase, 500000000},
      {"2026-11-25T10:00:00.123456789123Z", kBase, 123456789},    // digits past 9 ignored
      {"2026-11-25T11:00:00+01:00", kBase, 0},
      {"2026-11-25T09:30:00-00:30", kBase, 0},
      {"2026-11-26T09:59:00+23:59", kBase, 0},
      {"1970-01-01T00:00:00Z", 0, 0},
      {"1969-12-31T23:59:59Z", -1, 0},
      {"2024-02-29T00:00:00Z", 1709164800, 0},                      // leap day
      {"2000-02-29T00:00:00Z", 951782400, 0},
  };
  for (const auto& c : cases) {
    auto t = ParseRfc3339(c.text);
    ASSERT_TRUE(t.has_value()) << c.text;
    EXPECT_EQ(*t, system_clock::time_point{} + std::chrono::seconds(c.seconds) +
                      std::chrono::nanoseconds(c.nanos))
        << c.text;
  }
}

TEST(ParseRfc3339Test, RefusesWhatGoRefuses) {
  for (const char* text : {
           "", "yesterday", "2026-11-25", "2026-11-25 10:00:00Z", "2026-11-25T10:00:00",
           "2026-11-25T10:00:00Zjunk", "2026-11-25T10:00:00+2", "2026-11-25T10:00:00+02",
           "2026-11-25T10:00:00+0200", "2026-11-25T10:00:00.Z", "26-11-25T10:00:00Z",
           "2026-1-25T10:00:00Z", "+026-11-25T10:00:00Z", "-999-11-25T10:00:00Z",
           "2026-13-25T10:00:00Z", "2026-00-25T10:00:00Z", "2026-11-00T10:00:00Z",
           "2026-11-31T10:00:00Z", "2026-02-29T10:00:00Z", "1900-02-29T10:00:00Z",
           "2026-11-25T24:00:00Z", "2026-11-25T10:60:00Z", "2026-11-25T10:00:60Z",
           "2026-11-25T10:00:00+24:00", "2026-11-25T10:00:00+01:60", "2026-11-25T1O:00:00Z",
       }) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << text;
  }
}

TEST(ParseRfc3339Test, YearsBeyondTheClockSaturateInsteadOfOverflowing) {
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59Z"), system_clock::time_point::max());
  EXPECT_EQ(ParseRfc3339("2262-04-12T00:00:00Z"), system_clock::time_point::max());
  EXPECT_EQ(ParseRfc3339("0000-01-01T00:00:00Z"), system_clock::time_point::min());
  EXPECT_EQ(ParseRfc3339("1000-01-01T00:00:00+23:59"), system_clock::time_point::min());
  // The last whole seconds inside the range still parse exactly.
  auto late = ParseRfc3339("2262-04-11T00:00:00.999999999Z");
  ASSERT_TRUE(late.has_value());
  EXPECT_LT(*late, system_clock::time_point::max());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(late->time_since_epoch()).count(),
            9223286400);
  auto early = ParseRfc3339("1678-01-01T00:00:00Z");
  ASSERT_TRUE(early.has_value());
  EXPECT_GT(*early, system_clock::time_point::min());
}

}  // namespace
}  // namespace ferry
