#include "sim/core/selectors.h"

#include <cctype>

namespace kubesim {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

/// Splits on commas that are not inside parentheses.
std::vector<std::string> split_terms(const std::string& text) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool parse_set(const std::string& rest, std::set<std::string>* values, std::string* error) {
  std::string r = trim(rest);
  if (r.empty() || r[0] != '(') {
    *error = "unable to parse requirement: found '" + r + "', expected: '('";
    return false;
  }
  size_t close = r.find(')');
  if (close == std::string::npos) {
    *error = "unable to parse requirement: found '', expected: ',' or ')'";
    return false;
  }
  std::string inner = r.substr(1, close - 1);
  size_t pos = 0;
  while (pos <= inner.size()) {
    size_t comma = inner.find(',', pos);
    std::string v = trim(inner.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (!v.empty()) values->insert(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return true;
}

bool valid_key(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/')) {
      return false;
    }
  }
  return true;
}

std::optional<Requirement> parse_label_term(const std::string& raw, std::string* error) {
  std::string t = trim(raw);
  Requirement r{};
  if (!t.empty() && t[0] == '!') {
    r.op = Requirement::Op::kDoesNotExist;
    r.key = trim(t.substr(1));
    if (!valid_key(r.key)) {
      *error = "unable to parse requirement: invalid label key \"" + r.key + "\"";
      return std::nullopt;
    }
    return r;
  }
  size_t sp = t.find_first_of(" \t");
  size_t op = t.find_first_of("=!");
  if (sp != std::string::npos && (op == std::string::npos || sp < op)) {
    r.key = t.substr(0, sp);
    std::string rest = trim(t.substr(sp));
    if (rest.rfind("notin", 0) == 0) {
      r.op = Requirement::Op::kNotIn;
      if (!parse_set(rest.substr(5), &r.values, error)) return std::nullopt;
    } else if (rest.rfind("in", 0) == 0) {
      r.op = Requirement::Op::kIn;
      if (!parse_set(rest.substr(2), &r.values, error)) return std::nullopt;
    } else if (!rest.empty() && (rest[0] == '=' || rest[0] == '!')) {
      return parse_label_term(r.key + rest, error);
    } else {
      *error = "unable to parse requirement: found '" + rest + "', expected: in, notin, =, ==, !=, gt, lt";
      return std::nullopt;
    }
  } else if (op != std::string::npos) {
    r.key = trim(t.substr(0, op));
    std::string rest = t.substr(op);
    std::string value;
    if (rest.rfind("!=", 0) == 0) {
      r.op = Requirement::Op::kNotEquals;
      value = rest.substr(2);
    } else if (rest.rfind("==", 0) == 0) {
      r.op = Requirement::Op::kEquals;
      value = rest.substr(2);
    } else if (rest[0] == '=') {
      r.op = Requirement::Op::kEquals;
      value = rest.substr(1);
    } else {
      *error = "unable to parse requirement: found '!', expected: !=";
      return std::nullopt;
    }
    r.values.insert(trim(value));
  } else {
    r.op = Requirement::Op::kExists;
    r.key = t;
  }
  if (!valid_key(r.key)) {
    *error = "unable to parse requirement: invalid label key \"" + r.key + "\"";
    return std::nullopt;
  }
  return r;
}

bool matches_requirement(const Requirement& r, bool has, const std::string& value) {
  switch (r.op) {
    case Requirement::Op::kEquals: return has && r.values.count(value);
    case Requirement::Op::kNotEquals: return !has || !r.values.count(value);
    case Requirement::Op::kIn: return has && r.values.count(value);
    case Requirement::Op::kNotIn: return !has || !r.values.count(value);
    case Requirement::Op::kExists: return has;
    case Requirement::Op::kDoesNotExist: return !has;
  }
  return false;
}

}  // namespace

std::optional<LabelSelector> LabelSelector::parse(const std::string& text, std::string* error) {
  LabelSelector s;
  if (trim(text).empty()) return s;
  for (const auto& term : split_terms(text)) {
    auto r = parse_label_term(term, error);
    if (!r) return std::nullopt;
    s.reqs_.push_back(*r);
  }
  return s;
}

LabelSelector LabelSelector::from_json(const json& selector) {
  LabelSelector s;
  if (!selector.is_object()) return s;
  const json match_labels = selector.value("matchLabels", json::object());
  for (const auto& [k, v] : match_labels.items()) {
    s.reqs_.push_back({Requirement::Op::kEquals, k, {v.is_string() ? v.get<std::string>() : v.dump()}});
  }
  for (const auto& e : selector.value("matchExpressions", json::array())) {
    Requirement r{};
    r.key = e.value("key", "");
    std::string op = e.value("operator", "");
    r.op = op == "In" ? Requirement::Op::kIn
         : op == "NotIn" ? Requirement::Op::kNotIn
         : op == "Exists" ? Requirement::Op::kExists : Requirement::Op::kDoesNotExist;
    for (const auto& v : e.value("values", json::array())) r.values.insert(v.get<std::string>());
    s.reqs_.push_back(r);
  }
  return s;
}

bool LabelSelector::matches(const json& labels) const {
  for (const auto& r : reqs_) {
    bool has = labels.is_object() && labels.contains(r.key);
    std::string value = has && labels[r.key].is_string() ? labels[r.key].get<std::string>() : "";
    if (!matches_requirement(r, has, value)) return false;
  }
  return true;
}

std::string LabelSelector::to_string() const {
  std::string out;
  for (const auto& r : reqs_) {
    if (!out.empty()) out += ",";
    std::string vals;
    for (const auto& v : r.values) vals += (vals.empty() ? "" : ",") + v;
    switch (r.op) {
      case Requirement::Op::kEquals: out += r.key + "=" + vals; break;
      case Requirement::Op::kNotEquals: out += r.key + "!=" + vals; break;
      case Requirement::Op::kIn: out += r.key + " in (" + vals + ")"; break;
      case Requirement::Op::kNotIn: out += r.key + " notin (" + vals + ")"; break;
      case Requirement::Op::kExists: out += r.key; break;
      case Requirement::Op::kDoesNotExist: out += "!" + r.key; break;
    }
  }
  return out;
}

std::optional<FieldSelector> FieldSelector::parse(const std::string& text,
                                                  const std::set<std::string>& supported,
                                                  std::string* error) {
  FieldSelector s;
  if (trim(text).empty()) return s;
  for (const auto& raw : split_terms(text)) {
    std::string t = trim(raw);
    Requirement r{};
    size_t pos;
    std::string value;
    if ((pos = t.find("!=")) != std::string::npos) {
      r.op = Requirement::Op::kNotEquals;
      value = t.substr(pos + 2);
    } else if ((pos = t.find("==")) != std::string::npos) {
      r.op = Requirement::Op::kEquals;
      value = t.substr(pos + 2);
    } else if ((pos = t.find('=')) != std::string::npos) {
      r.op = Requirement::Op::kEquals;
      value = t.substr(pos + 1);
    } else {
      *error = "invalid selector: '" + text + "'; can't understand '" + t + "'";
      return std::nullopt;
    }
    r.key = trim(t.substr(0, pos));
    if (r.key != "metadata.name" && r.key != "metadata.namespace" && !supported.count(r.key)) {
      *error = "field label not supported: " + r.key;
      return std::nullopt;
    }
    r.values.insert(trim(value));
    s.reqs_.push_back(r);
  }
  return s;
}

std::string field_value(const json& object, const std::string& path) {
  const json* cur = &object;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!cur->is_object() || !cur->contains(part)) return "";
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

bool FieldSelector::matches(const json& object) const {
  for (const auto& r : reqs_) {
    std::string v = field_value(object, r.key);
    if (r.key == "source") v = field_value(object, "source.component");
    if (!matches_requirement(r, true, v)) return false;
  }
  return true;
}

std::optional<std::string> FieldSelector::required_name() const {
  for (const auto& r : reqs_) {
    if (r.key == "metadata.name" && r.op == Requirement::Op::kEquals) return *r.values.begin();
  }
  return std::nullopt;
}

}  // namespace kubesim
