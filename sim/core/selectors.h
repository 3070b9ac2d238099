// Label and field selectors with the Kubernetes query syntax.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kubesim {

using json = nlohmann::json;

struct Requirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist } op;
  std::string key;
  std::set<std::string> values;
};

/// A parsed label selector ("app=web,tier in (a,b),!legacy"). Empty matches everything.
class LabelSelector {
 public:
  /// Parses `text`; on a syntax error returns nullopt with the apiserver's message in `error`.
  static std::optional<LabelSelector> parse(const std::string& text, std::string* error);
  /// From a metav1.LabelSelector object (matchLabels/matchExpressions).
  static LabelSelector from_json(const json& selector);
  bool matches(const json& labels) const;
  bool empty() const { return reqs_.empty(); }
  /// Canonical text form ("app=web"), as status.selector shows it.
  std::string to_string() const;

 private:
  std::vector<Requirement> reqs_;
};

/// A parsed field selector ("metadata.name=x,status.phase!=Running").
class FieldSelector {
 public:
  /// Parses `text`; fields outside metadata.name/metadata.namespace and `supported` are rejected
  /// with "field label not supported: <f>".
  static std::optional<FieldSelector> parse(const std::string& text,
                                            const std::set<std::string>& supported,
                                            std::string* error);
  bool matches(const json& object) const;
  bool empty() const { return reqs_.empty(); }
  /// The exact name required by "metadata.name=X", if any (for fast single-object lookups).
  std::optional<std::string> required_name() const;

 private:
  std::vector<Requirement> reqs_;
};

/// Value of a dotted field path in an object as a string ("" when absent).
std::string field_value(const json& object, const std::string& path);

}  // namespace kubesim
