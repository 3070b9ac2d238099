// ParseJson: nlohmann::json::parse for text that comes from outside the process (API server
// answers and watch lines, webhook bodies, Prometheus answers, exec plugin output).
//
// nlohmann's parser itself is iterative, but copying, comparing and dumping a document recurse
// once per nesting level: a watch line of a few MiB of '[' would overflow the stack of whichever
// thread touched it next. ParseJson refuses documents nested deeper than `max_depth` instead.
// Kubernetes' own decoder stops at 10000 levels; no real object comes near kMaxJsonDepth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/base/result.h"

namespace ferry {

// Deepest nesting of arrays and objects accepted (a top-level object is depth 1).
inline constexpr std::size_t kMaxJsonDepth = 1000;

// The document, or an error saying why it is not JSON: nlohmann's description with the byte
// offset ("syntax error while parsing object - unexpected end of input; expected '}'"), or
// "nested deeper than 1000 levels".
Result<nlohmann::json> ParseJson(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// Lenient field readers for documents from outside the process (an exec plugin's output, an
// error body, a watch event, a webhook payload): the value at `key` when `obj` is an object
// holding one of that type, else `fallback`. nlohmann's value() throws when the key holds
// another type, and a thrown exception there is a crashed operator.
std::string StringField(const nlohmann::json& obj, std::string_view key,
                        std::string_view fallback = {});
std::int64_t IntField(const nlohmann::json& obj, std::string_view key, std::int64_t fallback = 0);

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF) that starts `text`: 1 to 4, or 0 if `text` is empty or starts with
// a byte that begins none.
std::size_t Utf8SequenceLength(std::string_view text);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD:
// for bytes from outside (HTTP headers, files) that are kept in a JSON document.
std::string ValidUtf8(std::string_view text);

// At most `max_bytes` of `text` (cut on a character boundary, "..." appended when cut), with
// every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD. For quoting
// bytes from outside (an answer's body, a watch line) in an error message: the message ends up
// in JSON (a log line, a condition, an Event), and nlohmann::json::dump throws on invalid UTF-8.
std::string Utf8Excerpt(std::string_view text, std::size_t max_bytes);

}  // namespace ferry
