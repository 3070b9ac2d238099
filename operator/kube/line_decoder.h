// LineDecoder: splits a byte stream into newline-terminated lines, whatever the chunking.
//
// The watch stream is one JSON document per line; chunk boundaries are not line boundaries
// (the apiserver packs initial events into 2 KB chunks). Feed() appends a chunk; Next() pops a
// complete line. Memory is bounded by the longest line (plus one chunk): consumed bytes are
// dropped as soon as their line is handed out, so a watch running for hours does not grow.
// Lines longer than `max_line` are an error rather than unbounded growth.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::kube {

// Largest watch event accepted. etcd's default object limit is 1.5 MiB; JSON of such an object
// with managedFields stays well below this.
inline constexpr std::size_t kMaxWatchLineBytes = 64u << 20;

class LineDecoder {
 public:
  explicit LineDecoder(std::size_t max_line = kMaxWatchLineBytes) : max_line_(max_line) {}

  // Appends a chunk. Returns false if a line grew beyond max_line (the decoder is then failed).
  bool Feed(std::string_view chunk);
  // The next complete line without its '\n' (a trailing '\r' is stripped too); nullopt when no
  // complete line is buffered. Empty lines are skipped.
  std::optional<std::string> Next();
  // At end of stream: the unterminated remainder, if any non-blank bytes are left.
  std::optional<std::string> Finish();

  bool failed() const { return failed_; }
  // Bytes currently held (for tests of the memory bound).
  std::size_t buffered() const { return buf_.size() - pos_; }
  std::size_t capacity() const { return buf_.capacity(); }

 private:
  void Compact();

  std::size_t max_line_;
  std::string buf_;
  std::size_t pos_ = 0;   // start of unconsumed data in buf_
  std::size_t scan_ = 0;  // bytes from pos_ already known to hold no '\n'
  bool failed_ = false;
};

}  // namespace ferry::kube
