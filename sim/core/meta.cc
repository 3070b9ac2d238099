#include "sim/core/meta.h"

#include <ctime>
#include <random>
#include <regex>

namespace kubesim {
namespace {

std::mt19937_64& rng() {
  static thread_local std::mt19937_64 gen(std::random_device{}() ^
                                          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  return gen;
}

const char* kSubdomainMsg =
    "a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* kLabelMsg =
    "a DNS-1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const char* kQualifiedNameMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

}  // namespace

std::string new_uid() {
  uint64_t a = rng()(), b = rng()();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
           static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
           static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string random_suffix(size_t n) {
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kAlphabet[rng()() % (sizeof kAlphabet - 1)];
  return out;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  tm g;
  gmtime_r(&secs, &g);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &g);
  return buf;
}

std::string now_rfc3339() { return rfc3339(std::chrono::system_clock::now()); }

std::string now_micro() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::string s = rfc3339(now);
  char frac[16];
  snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us));
  return s.substr(0, s.size() - 1) + frac + "Z";
}

bool parse_rfc3339(const std::string& s, std::chrono::system_clock::time_point* out) {
  tm t{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &t);
  if (!rest) return false;
  double frac = 0;
  if (*rest == '.') {
    char* end;
    frac = std::strtod(rest, &end);
    rest = end;
  }
  if (*rest != 'Z' && *rest != '+' && *rest != '-') return false;
  *out = std::chrono::system_clock::from_time_t(timegm(&t)) +
         std::chrono::microseconds(static_cast<int64_t>(frac * 1e6));
  return true;
}

bool is_micro_time(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$)");
  return std::regex_match(s, re);
}

std::vector<Cause> validate_name(const std::string& name, const std::string& field) {
  static const std::regex re(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  std::vector<Cause> out;
  if (name.size() > 253) out.push_back(invalid_value(field, name, "must be no more than 253 characters"));
  if (!std::regex_match(name, re)) out.push_back(invalid_value(field, name, kSubdomainMsg));
  return out;
}

std::vector<Cause> validate_dns_label(const std::string& name, const std::string& field) {
  static const std::regex re(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)");
  std::vector<Cause> out;
  if (name.size() > 63) out.push_back(invalid_value(field, name, "must be no more than 63 characters"));
  if (!std::regex_match(name, re)) out.push_back(invalid_value(field, name, kLabelMsg));
  return out;
}

std::vector<Cause> validate_labels(const json& labels, const std::string& field) {
  static const std::regex value_re(R"(^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$)");
  static const std::regex name_re(R"(^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$)");
  std::vector<Cause> out;
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items()) {
    std::string name = k.substr(k.find('/') == std::string::npos ? 0 : k.find('/') + 1);
    if (name.empty() || name.size() > 63 || !std::regex_match(name, name_re)) {
      out.push_back(invalid_value(field, k, kQualifiedNameMsg));
    }
    std::string value = v.is_string() ? v.get<std::string>() : v.dump();
    if (value.size() > 63) out.push_back(invalid_value(field, value, "must be no more than 63 characters"));
    if (!std::regex_match(value, value_re)) out.push_back(invalid_value(field, value, kLabelValueMsg));
  }
  return out;
}

std::string meta_string(const json& obj, const char* key) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return "";
  auto it = md->find(key);
  return it != md->end() && it->is_string() ? it->get<std::string>() : "";
}

json labels_of(const json& obj) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return json::object();
  auto it = md->find("labels");
  return it != md->end() && it->is_object() ? *it : json::object();
}

}  // namespace kubesim
