#include "operator/api/meta.h"

#include "operator/base/rfc3339.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace ferry::api {

namespace {

constexpr int64_t kMaxDurationHours = 10000;
constexpr char kDurationHelp[] = R"(; use a number and a unit of ms, s, m or h, e.g. "30s", "5m", "1h30m")";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Milliseconds per unit at the start of `s`, with the unit's length; 0 when no unit is there.
std::pair<int64_t, size_t> UnitAt(std::string_view s) {
  if (s.substr(0, 2) == "ms") return {1, 2};
  if (!s.empty() && s[0] == 's') return {1000, 1};
  if (!s.empty() && s[0] == 'm') return {60'000, 1};
  if (!s.empty() && s[0] == 'h') return {3'600'000, 1};
  return {0, 0};
}

}  // namespace

std::string JoinErrors(const FieldErrors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.ToString();
  }
  return out;
}

Error ToError(std::string_view what, const FieldErrors& errors) {
  return Error{std::string(what) + JoinErrors(errors)};
}

std::string JoinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string IndexPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

Result<Millis> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Error{"\"" + std::string(text) + "\" is not a duration (" + std::string(why) + ")" +
                 kDurationHelp};
  };
  if (text == "0") return Millis(0);
  if (text.empty()) return bad("empty");
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == start) return bad("expected a number at position " + std::to_string(start));
    if (i < text.size() && text[i] == '.') {
      ++i;
      size_t frac = i;
      while (i < text.size() && IsDigit(text[i])) ++i;
      if (i == frac) return bad("expected digits after '.'");
    }
    if (i - start > 12) return bad("number too long");
    double number = std::stod(std::string(text.substr(start, i - start)));
    auto [unit_ms, unit_len] = UnitAt(text.substr(i));
    if (unit_len == 0) return bad("missing or unknown unit at position " + std::to_string(i));
    total_ms += number * static_cast<double>(unit_ms);
    i += unit_len;
  }
  if (total_ms > static_cast<double>(kMaxDurationHours) * 3'600'000) {
    return bad("longer than " + std::to_string(kMaxDurationHours) + "h");
  }
  return Millis(static_cast<int64_t>(std::llround(total_ms)));
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  int64_t hours = ms / 3'600'000;
  int64_t minutes = (ms / 60'000) % 60;
  int64_t seconds = (ms / 1000) % 60;
  int64_t millis = ms % 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  bool has_seconds = seconds > 0 || millis > 0;
  if (minutes > 0 || (hours > 0 && has_seconds)) out += std::to_string(minutes) + "m";
  if (has_seconds) {
    out += std::to_string(seconds);
    if (millis > 0) {
      std::string frac = std::to_string(1000 + millis).substr(1);  // zero-padded to 3 digits
      while (frac.back() == '0') frac.pop_back();
      out += "." + frac;
    }
    out += "s";
  }
  return out;
}

std::string FormatTime(Time t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(TruncateToSeconds(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<Time> ParseTime(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) {
    return Error{"\"" + std::string(text) +
                 "\" is not an RFC 3339 time; use e.g. \"2026-11-25T10:00:00Z\""};
  }
  return TruncateToSeconds(*t);
}

Time TruncateToSeconds(Time t) {
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsConditionTrue(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = FindCondition(conditions, type);
  return c != nullptr && c->status == kConditionTrue;
}

bool SetCondition(std::vector<Condition>& conditions, Condition c, Time now) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& x) { return x.type == c.type; });
  if (it == conditions.end()) {
    c.lastTransitionTime = TruncateToSeconds(now);
    conditions.push_back(std::move(c));
    return true;
  }
  c.lastTransitionTime = it->status == c.status && it->lastTransitionTime
                             ? it->lastTransitionTime
                             : std::optional<Time>(TruncateToSeconds(now));
  if (*it == c) return false;
  *it = std::move(c);
  return true;
}

bool RemoveCondition(std::vector<Condition>& conditions, std::string_view type) {
  auto n = std::erase_if(conditions, [&](const Condition& c) { return c.type == type; });
  return n > 0;
}

namespace {

bool Set3(std::vector<Condition>& conds, int64_t gen, Time now, const char* ready,
          const char* reconciling, const char* stalled, const std::string& reason,
          const std::string& message, std::string_view active) {
  // Every condition carries the state's reason; the active one and Ready carry the message too,
  // so `kubectl wait --for=condition=Ready` users see why it is not ready.
  auto make = [&](const char* type, const char* status) {
    std::string_view t(type);
    bool with_message = t == active || t == kConditionReady;
    return Condition{type, status, gen, std::nullopt, reason, with_message ? message : ""};
  };
  bool changed = SetCondition(conds, make(kConditionReady, ready), now);
  changed |= SetCondition(conds, make(kConditionReconciling, reconciling), now);
  changed |= SetCondition(conds, make(kConditionStalled, stalled), now);
  return changed;
}

}  // namespace

bool MarkReconciling(std::vector<Condition>& conditions, int64_t generation, std::string reason,
                     std::string message, Time now) {
  return Set3(conditions, generation, now, kConditionFalse, kConditionTrue, kConditionFalse, reason,
              message, kConditionReconciling);
}

bool MarkReady(std::vector<Condition>& conditions, int64_t generation, std::string reason,
               std::string message, Time now) {
  return Set3(conditions, generation, now, kConditionTrue, kConditionFalse, kConditionFalse, reason,
              message, kConditionReady);
}

bool MarkStalled(std::vector<Condition>& conditions, int64_t generation, std::string reason,
                 std::string message, Time now) {
  return Set3(conditions, generation, now, kConditionFalse, kConditionFalse, kConditionTrue, reason,
              message, kConditionStalled);
}

std::optional<std::string> PendingRequest(const ObjectMeta& meta, std::string_view annotation,
                                          std::string_view last_handled) {
  auto it = meta.annotations.find(std::string(annotation));
  if (it == meta.annotations.end() || it->second.empty() || it->second == last_handled) {
    return std::nullopt;
  }
  return it->second;
}

Json MergePatch(const Json& before, const Json& after) {
  if (!before.is_object() || !after.is_object()) return after;
  Json patch = Json::object();
  for (const auto& [key, value] : before.items()) {
    if (!after.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : after.items()) {
    auto it = before.find(key);
    if (it == before.end()) {
      patch[key] = value;
    } else if (*it != value) {
      patch[key] = (it->is_object() && value.is_object()) ? MergePatch(*it, value) : value;
    }
  }
  return patch;
}

}  // namespace ferry::api
