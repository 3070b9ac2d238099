#include "operator/api/validation.h"

#include <regex>

namespace ferry::api {

namespace {

constexpr char kDnsLabelHelp[] =
    "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 "
    "characters";
constexpr char kDnsSubdomainHelp[] =
    "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at "
    "most 253 characters";

bool IsAlnumLower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsAlnumLower(c) || (c >= 'A' && c <= 'Z'); }

}  // namespace

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsAlnumLower(s.front()) || !IsAlnumLower(s.back())) return false;
  for (char c : s) {
    if (!IsAlnumLower(c) && c != '-') return false;
  }
  return true;
}

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (!IsDnsLabel(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsDns1035Label(std::string_view s) {
  return IsDnsLabel(s) && s.front() >= 'a' && s.front() <= 'z';
}

bool IsLabelValue(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsQualifiedName(std::string_view s) {
  size_t slash = s.find('/');
  std::string_view name = s;
  if (slash != std::string_view::npos) {
    if (!IsDnsSubdomain(s.substr(0, slash))) return false;
    name = s.substr(slash + 1);
  }
  return !name.empty() && IsLabelValue(name);
}

bool IsEnvVarName(std::string_view s) {
  static const std::regex re(R"(^[-._a-zA-Z][-._a-zA-Z0-9]*$)");
  return std::regex_match(s.begin(), s.end(), re);
}

bool IsQuantity(std::string_view s) {
  static const std::regex re(
      R"(^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([eE][+-]?[0-9]+)|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$)");
  return std::regex_match(s.begin(), s.end(), re);
}

bool IsHttpUrl(std::string_view s) {
  static const std::regex re(R"(^https?://[^/\s?#]+(/[^\s]*)?$)");
  return std::regex_match(s.begin(), s.end(), re);
}

bool IsHttpHeaderName(std::string_view s) {
  static const std::regex re(R"(^[!#$%&'*+.^_`|~0-9A-Za-z-]+$)");
  return std::regex_match(s.begin(), s.end(), re);
}

std::string Quote(std::string_view s) {
  if (s.size() <= kMaxQuotedBytes) return "\"" + std::string(s) + "\"";
  // Cut on a UTF-8 character boundary: the message goes into JSON (a status condition).
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(s.substr(0, cut)) + "\"... (" + std::to_string(s.size()) + " bytes)";
}

void CheckRequired(std::string_view value, const std::string& path, FieldErrors& errs) {
  if (value.empty()) errs.push_back({path, "is required"});
}

void CheckDnsLabel(std::string_view value, const std::string& path, FieldErrors& errs) {
  if (value.empty()) return CheckRequired(value, path, errs);
  if (!IsDnsLabel(value)) errs.push_back({path, Quote(value) + " is not valid: " + kDnsLabelHelp});
}

void CheckDnsSubdomain(std::string_view value, const std::string& path, FieldErrors& errs) {
  if (value.empty()) return CheckRequired(value, path, errs);
  if (!IsDnsSubdomain(value)) {
    errs.push_back({path, Quote(value) + " is not a valid name: " + kDnsSubdomainHelp});
  }
}

void CheckServiceName(std::string_view value, const std::string& path, FieldErrors& errs) {
  if (value.empty()) return CheckRequired(value, path, errs);
  if (!IsDns1035Label(value)) {
    errs.push_back({path, Quote(value) +
                              " is not a valid Service name: lower-case letters, digits and '-', "
                              "starting with a letter, ending with a letter or digit, at most 63 "
                              "characters"});
  }
}

void CheckRange(int64_t value, int64_t lo, int64_t hi, const std::string& path,
                FieldErrors& errs) {
  if (value < lo || value > hi) {
    errs.push_back({path, std::to_string(value) + " is not in " + std::to_string(lo) + ".." +
                              std::to_string(hi)});
  }
}

void CheckDuration(std::string_view value, bool positive, const std::string& path,
                   FieldErrors& errs) {
  auto d = ParseDuration(value);
  if (!d.ok()) {
    errs.push_back({path, d.error().message});
  } else if (positive && d->count() <= 0) {
    errs.push_back({path, Quote(value) + " must be longer than 0, e.g. \"30s\""});
  }
}

void CheckLabels(const std::map<std::string, std::string>& labels, const std::string& path,
                 FieldErrors& errs) {
  for (const auto& [key, value] : labels) {
    if (!IsQualifiedName(key)) {
      errs.push_back({path, Quote(key) +
                                " is not a valid label key: [prefix/]name, name at most 63 of "
                                "letters, digits, '-', '_' and '.'"});
    }
    if (!IsLabelValue(value)) {
      errs.push_back({JoinPath(path, key),
                      Quote(value) + " is not a valid label value: at most 63 of letters, "
                                     "digits, '-', '_' and '.', starting and ending with a "
                                     "letter or digit"});
    }
  }
}

void CheckAnnotationKeys(const std::map<std::string, std::string>& annotations,
                         const std::string& path, FieldErrors& errs) {
  for (const auto& [key, value] : annotations) {
    if (!IsQualifiedName(key)) {
      errs.push_back({path, Quote(key) + " is not a valid annotation key: [prefix/]name"});
    }
  }
}

}  // namespace ferry::api
