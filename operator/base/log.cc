#include "operator/base/log.h"

#include "operator/base/json.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ferry::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kJson};
std::atomic<void (*)(std::string_view)> g_sink{nullptr};
std::mutex g_write_mu;

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
            1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // sized for any int fields, so -Wformat-truncation has nothing to warn about
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string_view SafeValue(const Field& f) {
  return IsSensitiveKey(f.key) ? std::string_view("<redacted>") : std::string_view(f.value);
}

void AppendJsonField(std::string& out, const Field& f) {
  out += ",\"";
  AppendJsonEscaped(out, f.key);
  out += "\":";
  bool quoted = f.quoted || IsSensitiveKey(f.key);
  if (quoted) out += '"';
  if (quoted) AppendJsonEscaped(out, SafeValue(f)); else out += f.value;
  if (quoted) out += '"';
}

void AppendTextField(std::string& out, const Field& f) {
  out += ' ';
  out += f.key;
  out += '=';
  std::string_view v = SafeValue(f);
  bool needs_quotes = v.empty() || v.find_first_of(" \"=\n\t") != std::string_view::npos;
  if (!needs_quotes) { out += v; return; }
  out += '"';
  AppendJsonEscaped(out, v);
  out += '"';
}

void Emit(const std::string& line) {
  if (auto sink = g_sink.load()) { sink(line); return; }
  std::lock_guard g(g_write_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k), quoted(false) {
  if (!std::isfinite(v)) {  // JSON has no NaN/Inf literals: write them as strings.
    value = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    quoted = true;
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

std::optional<Level> ParseLevel(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn" || s == "warning") return Level::kWarn;
  if (s == "error") return Level::kError;
  return std::nullopt;
}

std::optional<Format> ParseFormat(std::string_view s) {
  if (s == "json") return Format::kJson;
  if (s == "text") return Format::kText;
  return std::nullopt;
}

void Configure(Level level, Format format) {
  g_level = level;
  g_format = format;
}

void SetSink(void (*sink)(std::string_view)) { g_sink = sink; }
Level CurrentLevel() { return g_level.load(); }

bool IsSensitiveKey(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"token", "password", "secret", "authorization", "credential",
                           "private-key", "privatekey", "bearer"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

void AppendJsonEscaped(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {  // a request's header or a file's bytes need not be UTF-8
      const std::size_t n = Utf8SequenceLength(s.substr(i));
      if (n == 0) out += "\\ufffd"; else out.append(s.substr(i, n));
      i += n == 0 ? 0 : n - 1;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

Logger Logger::WithValues(Fields fields) const {
  Logger l = *this;
  l.values_.insert(l.values_.end(), fields.begin(), fields.end());
  return l;
}

Logger Logger::WithObject(std::string_view namespace_, std::string_view name) const {
  std::string key = namespace_.empty() ? std::string(name)
                                       : std::string(namespace_) + "/" + std::string(name);
  return WithValues({{"object", key}});
}

Logger Logger::Named(std::string_view child) const {
  Logger l = *this;
  l.name_ = name_.empty() ? std::string(child) : name_ + "." + std::string(child);
  return l;
}

void Logger::Log(Level level, std::string_view msg, Fields kv) const {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(128);
  if (g_format.load() == Format::kJson) {
    line += "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" + LevelName(level) + "\",\"logger\":\"";
    AppendJsonEscaped(line, name_);
    line += "\",\"msg\":\"";
    AppendJsonEscaped(line, msg);
    line += '"';
    for (const auto& f : values_) AppendJsonField(line, f);
    for (const auto& f : kv) AppendJsonField(line, f);
    line += "}\n";
  } else {
    std::string lvl = LevelName(level);
    std::transform(lvl.begin(), lvl.end(), lvl.begin(), ::toupper);
    line += Timestamp() + " " + lvl + " " + name_ + " " + std::string(msg);
    for (const auto& f : values_) AppendTextField(line, f);
    for (const auto& f : kv) AppendTextField(line, f);
    line += '\n';
  }
  Emit(line);
}

}  // namespace ferry::log
