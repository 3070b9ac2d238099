#include "operator/base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ferry::log {
namespace {

std::vector<std::string>* g_lines = nullptr;
void Capture(std::string_view line) { g_lines->emplace_back(line); }

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_lines = &lines_;
    SetSink(&Capture);
    Configure(Level::kInfo, Format::kJson);
  }
  void TearDown() override {
    SetSink(nullptr);
    Configure(Level::kInfo, Format::kJson);
    g_lines = nullptr;
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, JsonRecordHasStandardKeysObjectAndValues) {
  Logger("release").WithObject("prod", "model").Info("step \"done\"", {{"step", 2}, {"ok", true}});
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& l = lines_[0];
  EXPECT_EQ(l.rfind("{\"ts\":\"", 0), 0u) << l;
  EXPECT_NE(l.find("\"level\":\"info\",\"logger\":\"release\",\"msg\":\"step \\\"done\\\"\""),
            std::string::npos) << l;
  EXPECT_NE(l.find("\"object\":\"prod/model\",\"step\":2,\"ok\":true}\n"), std::string::npos) << l;
}

TEST_F(LogTest, RecordsBelowLevelAreDropped) {
  Configure(Level::kWarn, Format::kJson);
  Logger l("x");
  l.Info("hidden");
  l.Debug("hidden");
  l.Error("shown");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("\"level\":\"error\""), std::string::npos);
}

TEST_F(LogTest, TextFormatQuotesValuesWithSpaces) {
  Configure(Level::kDebug, Format::kText);
  Logger("kube").Debug("request", {{"path", "/api/v1"}, {"reason", "not found"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find(" DEBUG kube request path=/api/v1 reason=\"not found\"\n"),
            std::string::npos) << lines_[0];
}

TEST_F(LogTest, SensitiveValuesAreRedactedInBothFormats) {
  Logger l("kube");
  l.Info("auth", {{"token", "s3cr3t"}, {"Authorization", "Bearer s3cr3t"}, {"webhookSecret", "x"}});
  Configure(Level::kInfo, Format::kText);
  l.Info("auth", {{"bearerToken", "s3cr3t"}});
  ASSERT_EQ(lines_.size(), 2u);
  for (const auto& line : lines_) {
    EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
    EXPECT_NE(line.find("<redacted>"), std::string::npos) << line;
  }
}

TEST_F(LogTest, NonFiniteNumbersStayValidJson) {
  Logger("analysis").Info("value", {{"v", 0.0 / 0.0}, {"w", 1.5}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("\"v\":\"NaN\",\"w\":1.5"), std::string::npos) << lines_[0];
}

TEST(LogParseTest, LevelsAndFormats) {
  struct Case { const char* in; std::optional<Level> want; };
  for (const Case& c : {Case{"debug", Level::kDebug}, Case{"info", Level::kInfo},
                        Case{"warn", Level::kWarn}, Case{"error", Level::kError},
                        Case{"loud", std::nullopt}, Case{"", std::nullopt}}) {
    EXPECT_EQ(ParseLevel(c.in), c.want) << c.in;
  }
  EXPECT_EQ(ParseFormat("json"), Format::kJson);
  EXPECT_EQ(ParseFormat("text"), Format::kText);
  EXPECT_EQ(ParseFormat("xml"), std::nullopt);
}

TEST(LogEscapeTest, ControlCharactersAreEscaped) {
  std::string out;
  AppendJsonEscaped(out, std::string("a\x01\n\\", 4));
  EXPECT_EQ(out, "a\\u0001\\n\\\\");
}

TEST(LogEscapeTest, KeepsUtf8AndReplacesBytesThatAreNot) {
  struct Case { std::string in, want; };
  const Case cases[] = {
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80"},
      {"push\x90\x98ng", "push\\ufffd\\ufffdng"},           // stray continuation bytes
      {"\xC3", "\\ufffd"},                                      // truncated sequence
      {"\xC0\xAF", "\\ufffd\\ufffd"},                          // overlong '/'
      {"\xED\xA0\x80", "\\ufffd\\ufffd\\ufffd"},              // a surrogate
      {"\xE2\x82\"", "\\ufffd\\ufffd\\\""},                   // cut short by a quote
  };
  for (const auto& c : cases) {
    std::string out;
    AppendJsonEscaped(out, c.in);
    EXPECT_EQ(out, c.want) << c.in;
  }
}

}  // namespace
}  // namespace ferry::log
