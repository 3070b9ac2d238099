#include "operator/base/json.h"

#include <string>

#include <gtest/gtest.h>

namespace ferry {
namespace {

std::string Nested(std::size_t depth, char open, char close, const std::string& inner = "") {
  return std::string(depth, open) + inner + std::string(depth, close);
}

TEST(ParseJsonTest, ParsesDocuments) {
  auto doc = ParseJson(R"({"a":[1,{"b":"c"}],"d":null})");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ((*doc)["a"][1]["b"], "c");
  EXPECT_TRUE((*doc)["d"].is_null());
}

TEST(ParseJsonTest, SyntaxErrorsSayWhereAndWhat) {
  auto doc = ParseJson(R"({"a":[1,2)");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("parse error at line 1, column 10"), std::string::npos)
      << doc.error().message;
  EXPECT_EQ(doc.error().message.find("[json.exception"), std::string::npos);
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("{} trailing").ok());
}

TEST(ParseJsonTest, AcceptsNestingUpToTheLimit) {
  EXPECT_TRUE(ParseJson(Nested(kMaxJsonDepth, '[', ']')).ok());
  EXPECT_TRUE(ParseJson(Nested(3, '[', ']'), 3).ok());
  // Scalars inside the deepest container do not count as a level.
  EXPECT_TRUE(ParseJson(Nested(3, '[', ']', "1,\"x\""), 3).ok());
}

TEST(ParseJsonTest, RefusesDeeperNesting) {
  for (const std::size_t depth : {kMaxJsonDepth + 1, std::size_t{10000}, std::size_t{1} << 20}) {
    auto doc = ParseJson(Nested(depth, '[', ']'));
    ASSERT_FALSE(doc.ok()) << depth;
    EXPECT_EQ(doc.error().message, "nested deeper than 1000 levels");
  }
  std::string objects;
  for (int i = 0; i < 5; ++i) objects += R"({"a":)";
  objects += "1" + std::string(5, '}');
  EXPECT_TRUE(ParseJson(objects, 5).ok());
  auto deep = ParseJson(objects, 4);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().message, "nested deeper than 4 levels");
}

TEST(ParseJsonTest, DeepAndTruncatedIsAnError) {
  EXPECT_FALSE(ParseJson(std::string(100000, '[')).ok());
  EXPECT_FALSE(ParseJson(std::string(500, '[')).ok());
}

// Regression (fuzz_release): nlohmann quotes the bytes it read last in its message, so a body
// with invalid UTF-8 gave an error message that threw when written into JSON (a condition).
TEST(ParseJsonTest, ErrorMessagesAreValidUtf8) {
  for (const std::string& bad : {std::string("{\"n\xff\xfe\":1}"), std::string("[\"\xc3\"]"),
                                std::string("\xed\xa0\x80"), std::string("{\"a\":\"\xf4\x90\x80\x80\"}")}) {
    auto doc = ParseJson(bad);
    ASSERT_FALSE(doc.ok());
    EXPECT_NO_THROW((void)nlohmann::json(doc.error().message).dump()) << doc.error().message;
  }
}

TEST(JsonFieldTest, ReadsOnlyFieldsOfTheRightType) {
  const auto doc = nlohmann::json::parse(R"({"s":"v","n":7,"f":1.5,"o":{},"b":true})");
  struct Case { std::string key, want_str; std::int64_t want_int; };
  const Case cases[] = {
      {"s", "v", -1}, {"n", "fallback", 7}, {"f", "fallback", -1},
      {"o", "fallback", -1}, {"b", "fallback", -1}, {"missing", "fallback", -1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(StringField(doc, c.key, "fallback"), c.want_str) << c.key;
    EXPECT_EQ(IntField(doc, c.key, -1), c.want_int) << c.key;
  }
  for (const char* not_object : {"[1]", "\"s\"", "null", "3"}) {
    const auto j = nlohmann::json::parse(not_object);
    EXPECT_EQ(StringField(j, "s"), "") << not_object;
    EXPECT_EQ(IntField(j, "n", 9), 9) << not_object;
  }
}

TEST(ValidUtf8Test, ReplacesOnlyBytesThatAreNotUtf8) {
  EXPECT_EQ(ValidUtf8("d-1 \xC3\xA9"), "d-1 \xC3\xA9");
  EXPECT_EQ(ValidUtf8("d-\xff-1"), "d-\xEF\xBF\xBD-1");
  EXPECT_EQ(ValidUtf8(std::string(100000, 'a')).size(), 100000u);  // no length limit
}

TEST(Utf8ExcerptTest, KeepsValidTextAndReplacesTheRest) {
  struct Case {
    std::string in;
    size_t max;
    std::string want;
  };
  const std::string kFffd = "\xEF\xBF\xBD";
  const Case cases[] = {
      {"plain", 100, "plain"},
      {"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80", 100, "h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80"},
      {"a\xFF" "b", 100, "a" + kFffd + "b"},
      {"\xC0\xAF", 100, kFffd + kFffd},            // overlong '/'
      {"\xED\xA0\x80", 100, kFffd + kFffd + kFffd},  // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", 100, kFffd + kFffd + kFffd + kFffd},  // above U+10FFFF
      {"ab\xC3", 100, "ab" + kFffd},                // truncated sequence at the end
      {"abcdef", 3, "abc..."},
      {"ab\xE2\x82\xAC", 4, "ab..."},             // never cut inside a character
      {"", 0, ""},
  };
  for (const auto& c : cases) {
    std::string got = Utf8Excerpt(c.in, c.max);
    EXPECT_EQ(got, c.want) << c.in;
    EXPECT_NO_THROW((void)nlohmann::json(got).dump());
  }
}

}  // namespace
}  // namespace ferry
