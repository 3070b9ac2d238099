#include "operator/base/json.h"

#include <string>

namespace ferry {

// Table 3-7 of the Unicode standard, "Well-Formed UTF-8 Byte Sequences".
std::size_t Utf8SequenceLength(std::string_view s) {
  if (s.empty()) return 0;
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto in = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

std::string ValidUtf8(std::string_view text) {
  return Utf8Excerpt(text, std::string_view::npos);
}

std::string Utf8Excerpt(std::string_view text, std::size_t max_bytes) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = Utf8SequenceLength(text.substr(i));
    std::string_view piece = n == 0 ? kReplacement : text.substr(i, n);
    if (out.size() + piece.size() > max_bytes) return out + "...";
    out += piece;
    i += n == 0 ? 1 : n;
  }
  return out;
}

std::string StringField(const nlohmann::json& obj, std::string_view key,
                        std::string_view fallback) {
  if (!obj.is_object()) return std::string(fallback);
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

std::int64_t IntField(const nlohmann::json& obj, std::string_view key, std::int64_t fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

Result<nlohmann::json> ParseJson(std::string_view text, std::size_t max_depth) {
  bool too_deep = false;
  // The callback sees each value with the depth of its container (0 at the top level);
  // returning false drops the value, so nothing deeper than the limit is ever built.
  auto limit = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        static_cast<std::size_t>(depth) >= max_depth) {
      too_deep = true;
    }
    return !too_deep;
  };
  try {
    nlohmann::json doc = nlohmann::json::parse(text, limit);
    if (too_deep) {
      return Error{"nested deeper than " + std::to_string(max_depth) + " levels"};
    }
    return doc;
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 3: ..." -> from "parse".
    // nlohmann quotes the bytes it last read, which need not be UTF-8.
    std::string what = e.what();
    auto pos = what.find("] ");
    return Error{Utf8Excerpt(pos == std::string::npos ? what : what.substr(pos + 2), 512)};
  }
}

}  // namespace ferry
