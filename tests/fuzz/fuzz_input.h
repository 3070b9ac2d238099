// Helpers shared by the fuzz targets: splitting one fuzzer input into the parts a target needs.
// Inputs are text so that the committed corpora stay readable and easy to extend by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ferry::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first line of `in` (without its '\n'); `in` keeps the rest. No '\n': all of it.
inline std::string_view TakeLine(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  return line;
}

// A small unsigned number from the leading digits of `s` (0 when none), at most `max`.
inline size_t SmallNumber(std::string_view s, size_t max) {
  size_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<size_t>(c - '0');
    if (n > max) return max;
  }
  return n;
}

}  // namespace ferry::fuzz
