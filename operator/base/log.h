// Structured logging: one line per record.
//   JSON (default): {"ts":"2026-11-25T10:00:00.123Z","level":"info","logger":"release",
//                    "msg":"step done","object":"prod/model","step":2}
//   text (--log-format=text): 2026-11-25T10:00:00.123Z INFO release step done object=prod/model step=2
// Values of keys that name credentials (token, password, secret, authorization, ...) are always
// written as "<redacted>": a token must never reach a log, whoever passes it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kJson, kText };

// Parses "debug|info|warn|error" and "json|text"; nullopt for anything else.
std::optional<Level> ParseLevel(std::string_view s);
std::optional<Format> ParseFormat(std::string_view s);

// Process-wide settings; records below `level` are dropped. Output goes to stderr unless a test
// redirects it with SetSink (the sink receives each complete line, newline included).
void Configure(Level level, Format format);
void SetSink(void (*sink)(std::string_view line));
Level CurrentLevel();

// One key/value pair. Strings are quoted in JSON; numbers and booleans are not.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : ""), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, unsigned long long v)
      : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, double v);

  std::string key;
  std::string value;
  bool quoted;
};

using Fields = std::initializer_list<Field>;

class Logger {
 public:
  explicit Logger(std::string name) : name_(std::move(name)) {}

  // A logger whose records all carry `fields` (e.g. the reconciled object).
  Logger WithValues(Fields fields) const;
  // Shorthand for WithValues({{"object", "namespace/name"}}).
  Logger WithObject(std::string_view namespace_, std::string_view name) const;
  // A child logger named "<name>.<child>".
  Logger Named(std::string_view child) const;

  void Debug(std::string_view msg, Fields kv = {}) const { Log(Level::kDebug, msg, kv); }
  void Info(std::string_view msg, Fields kv = {}) const { Log(Level::kInfo, msg, kv); }
  void Warn(std::string_view msg, Fields kv = {}) const { Log(Level::kWarn, msg, kv); }
  void Error(std::string_view msg, Fields kv = {}) const { Log(Level::kError, msg, kv); }
  void Log(Level level, std::string_view msg, Fields kv) const;
  bool Enabled(Level level) const { return level >= CurrentLevel(); }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<Field> values_;
};

// True for keys whose values must never be logged.
bool IsSensitiveKey(std::string_view key);

// Appends `s` to `out` as the inside of a JSON string (quotes not included); a byte that is not
// part of well-formed UTF-8 becomes \ufffd, so the line stays valid JSON whatever was quoted.
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace ferry::log
