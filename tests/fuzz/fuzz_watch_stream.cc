// A watch response body: LineDecoder over arbitrary chunking, then ParseWatchEvent and
// EventError for each line. First line of the input: "<chunk size> <max line>" (both small
// numbers, 0 = defaults); the rest is the stream. Checks the decoder against a plain split on
// '\n' and its memory bound.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "operator/kube/line_decoder.h"
#include "operator/kube/watch.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

void Handle(const std::string& line) {
  auto ev = ferry::kube::ParseWatchEvent(line);
  if (!ev) {
    (void)nlohmann::json(ev.error().ToString()).dump();
    return;
  }
  if (ev->type == ferry::kube::WatchEvent::Type::kError) {
    auto err = ferry::kube::EventError(*ev);
    (void)nlohmann::json(err.ToString()).dump();
    if (err.retry_after && err.retry_after->count() < 0) std::abort();
  }
}

// What the decoder must hand out: the non-blank lines, '\r' before '\n' stripped.
std::vector<std::string> Reference(std::string_view stream, bool* too_long, size_t max_line) {
  std::vector<std::string> lines;
  *too_long = false;
  while (!stream.empty()) {
    size_t nl = stream.find('\n');
    if (nl == std::string_view::npos) break;  // the remainder is Finish()'s
    std::string_view line = stream.substr(0, nl);
    stream.remove_prefix(nl + 1);
    if (line.size() > max_line) *too_long = true;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) lines.emplace_back(line);
  }
  if (stream.size() > max_line) *too_long = true;
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ferry::fuzz::AsText(data, size);
  std::string_view header = ferry::fuzz::TakeLine(in);
  size_t chunk = ferry::fuzz::SmallNumber(header, 4096);
  if (chunk == 0) chunk = 2048;
  size_t space = header.find(' ');
  size_t max_line =
      space == std::string_view::npos ? 0 : ferry::fuzz::SmallNumber(header.substr(space + 1), 1 << 20);
  if (max_line == 0) max_line = ferry::kube::kMaxWatchLineBytes;

  ferry::kube::LineDecoder decoder(max_line);
  std::vector<std::string> got;
  bool failed = false;
  for (size_t off = 0; off < in.size() && !failed; off += chunk) {
    std::string_view piece = in.substr(off, chunk);
    if (!decoder.Feed(piece)) {
      failed = true;
      break;
    }
    // Memory bound: what is held never exceeds the longest line plus one chunk.
    if (decoder.buffered() > std::max(max_line, chunk) + chunk) std::abort();
    while (auto line = decoder.Next()) {
      Handle(*line);
      got.push_back(std::move(*line));
    }
  }
  if (!failed) {
    if (auto rest = decoder.Finish()) Handle(*rest);
  }

  bool too_long = false;
  std::vector<std::string> want = Reference(in, &too_long, max_line);
  if (failed && !too_long) std::abort();  // refused a stream within the limit
  if (!failed) {
    if (got != want) std::abort();  // lost, merged or altered a line
  }
  return 0;
}
