#include "operator/kube/line_decoder.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "operator/kube/watch.h"

namespace ferry::kube {
namespace {

std::vector<std::string> Drain(LineDecoder& d) {
  std::vector<std::string> out;
  while (auto line = d.Next()) out.push_back(*line);
  return out;
}

struct ChunkCase {
  std::string name;
  std::vector<std::string> chunks;
  std::vector<std::string> want;  // lines, including a final unterminated one
};

TEST(LineDecoderTest, Table) {
  const std::string huge(3 << 20, 'x');
  const ChunkCase cases[] = {
      {"one line", {"{\"a\":1}\n"}, {"{\"a\":1}"}},
      {"split across chunks", {"{\"a\"", ":1}", "\n"}, {"{\"a\":1}"}},
      {"many per chunk", {"a\nb\nc\n"}, {"a", "b", "c"}},
      {"split newline boundaries", {"a\nb", "\nc", "\n"}, {"a", "b", "c"}},
      {"crlf", {"a\r\n", "b\r", "\n"}, {"a", "b"}},
      {"blank lines skipped", {"\n\na\n\n"}, {"a"}},
      {"no trailing newline", {"a\nb"}, {"a", "b"}},
      {"byte at a time", {"a", "b", "\n", "c", "\n"}, {"ab", "c"}},
      {"huge line", {huge.substr(0, 1 << 20), huge.substr(1 << 20), "\nz\n"}, {huge, "z"}},
      {"empty stream", {}, {}},
  };
  for (const auto& c : cases) {
    LineDecoder d;
    std::vector<std::string> got;
    for (const auto& chunk : c.chunks) {
      ASSERT_TRUE(d.Feed(chunk)) << c.name;
      for (auto& l : Drain(d)) got.push_back(l);
    }
    if (auto rest = d.Finish()) got.push_back(*rest);
    EXPECT_EQ(got, c.want) << c.name;
  }
}

TEST(LineDecoderTest, LineIsAvailableAsSoonAsItsNewlineArrives) {
  LineDecoder d;
  ASSERT_TRUE(d.Feed("first\nsec"));
  EXPECT_EQ(d.Next(), "first");
  EXPECT_EQ(d.Next(), std::nullopt);
  ASSERT_TRUE(d.Feed("ond\n"));
  EXPECT_EQ(d.Next(), "second");
}

TEST(LineDecoderTest, MemoryIsBoundedByTheLargestLineNotTheStream) {
  LineDecoder d;
  const std::string line(1000, 'e');
  for (int i = 0; i < 20000; ++i) {  // 20 MB through the decoder
    ASSERT_TRUE(d.Feed(line + "\n"));
    ASSERT_TRUE(d.Next().has_value());
  }
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_LT(d.capacity(), 64u * 1024);
  // After one huge event the buffer shrinks back.
  ASSERT_TRUE(d.Feed(std::string(8 << 20, 'h') + "\n"));
  ASSERT_TRUE(d.Next().has_value());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(d.Feed(line + "\n"));
    ASSERT_TRUE(d.Next().has_value());
  }
  EXPECT_LT(d.capacity(), 1u << 20);
}

TEST(LineDecoderTest, RejectsALineAboveTheLimit) {
  LineDecoder d(16);
  EXPECT_TRUE(d.Feed("0123456789"));
  EXPECT_FALSE(d.Feed("0123456789"));
  EXPECT_TRUE(d.failed());
  EXPECT_EQ(d.Next(), std::nullopt);
}

// The recorded chunked watch streams decode event by event whatever the chunking.
TEST(LineDecoderTest, DecodesRecordedWatchStreams) {
  const char* src = std::getenv("FERRY_SOURCE_DIR");
  const std::string dir = std::string(src ? src : ".") + "/tests/kube-transcripts/";
  for (const std::string file : {"watch/01-releases-ns-bookmarks.txt", "deployment/08-watch-deployment-rollout.txt",
                                 "watch/12-watch-rv-older-than-watch-cache-410.txt"}) {
    std::ifstream in(dir + file, std::ios::binary);
    ASSERT_TRUE(in.good()) << file;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string stream = ss.str();
    const size_t want = static_cast<size_t>(std::count(stream.begin(), stream.end(), '\n'));
    for (size_t chunk : {1u, 7u, 2048u, 1u << 20}) {
      LineDecoder d;
      size_t events = 0;
      for (size_t off = 0; off < stream.size(); off += chunk) {
        ASSERT_TRUE(d.Feed(std::string_view(stream).substr(off, chunk)));
        while (auto line = d.Next()) {
          auto ev = ParseWatchEvent(*line);
          ASSERT_TRUE(ev.ok()) << file << ": " << ev.error().ToString();
          ++events;
        }
      }
      EXPECT_EQ(d.Finish(), std::nullopt);
      EXPECT_EQ(events, want) << file << " chunk " << chunk;
    }
  }
}

TEST(WatchEventTest, ParsesTypesAndErrorStatus) {
  auto ev = ParseWatchEvent(R"({"type":"BOOKMARK","object":{"kind":"Release","metadata":{"resourceVersion":"12"}}})");
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, WatchEvent::Type::kBookmark);
  EXPECT_EQ(ev->object["metadata"]["resourceVersion"], "12");

  auto err = ParseWatchEvent(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 2 (216)","reason":"Expired","code":410}})j");
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->type, WatchEvent::Type::kError);
  Error e = EventError(*err);
  EXPECT_TRUE(IsGone(e));
  EXPECT_EQ(e.code, 410);
  EXPECT_EQ(e.message, "too old resource version: 2 (216)");

  EXPECT_FALSE(ParseWatchEvent("not json").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"WHATEVER","object":{}})").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"ADDED"})").ok());
  EXPECT_EQ(ToString(WatchEvent::Type::kModified), "MODIFIED");
}

}  // namespace
}  // namespace ferry::kube
