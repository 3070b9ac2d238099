#include "operator/analysis/prometheus_result.h"

#include "operator/base/json.h"

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <tuple>

namespace ferry::analysis {
namespace {

using nlohmann::json;

Error Malformed(const std::string& what) {
  return Error{"prometheus: malformed response: " + what};
}

// A sample value string: a float, "NaN", "+Inf" or "-Inf".
Result<double> ParseSampleValue(const json& v) {
  if (!v.is_string()) return Malformed("sample value is not a string");
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty()) return Malformed("empty sample value");
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return Malformed("sample value \"" + s + "\" is not a number");
  return d;
}

// [<unix seconds>, "<value>"] -> (time, value)
Result<std::pair<double, double>> ParseSample(const json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number())
    return Malformed("a sample must be [<unix time>, \"<value>\"]");
  auto v = ParseSampleValue(pair[1]);
  if (!v) return v.error();
  return std::make_pair(pair[0].get<double>(), *v);
}

// Checks "status" and returns data.result with its resultType.
Result<std::pair<std::string, const json*>> Unwrap(const json& body) {
  if (!body.is_object()) return Malformed("body is not a JSON object");
  const auto status = body.find("status");
  if (status == body.end() || !status->is_string()) return Malformed("no \"status\"");
  if (*status != "success") {
    const std::string type = StringField(body, "errorType", "unknown");
    const std::string msg = StringField(body, "error", "no message");
    return Error{"prometheus: query failed (" + type + "): " + msg};
  }
  const auto data = body.find("data");
  if (data == body.end() || !data->is_object()) return Malformed("no \"data\" object");
  const auto type = data->find("resultType");
  const auto result = data->find("result");
  if (type == data->end() || !type->is_string() || result == data->end())
    return Malformed("\"data\" needs \"resultType\" and \"result\"");
  return std::make_pair(type->get<std::string>(), &*result);
}

Result<std::map<std::string, std::string>> Labels(const json& item) {
  std::map<std::string, std::string> out;
  const auto metric = item.find("metric");
  if (metric == item.end()) return out;
  if (!metric->is_object()) return Malformed("\"metric\" is not an object");
  for (const auto& [k, v] : metric->items()) {
    if (!v.is_string()) return Malformed("label \"" + k + "\" is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<Value> DecodeVector(const json& result) {
  if (!result.is_array()) return Malformed("vector result is not an array");
  std::vector<double> values;
  for (const json& item : result) {
    if (!item.is_object()) return Malformed("vector element is not an object");
    if (item.contains("histogram"))
      return Error{"prometheus: native histogram samples are not supported; wrap the query in "
                   "histogram_quantile() or histogram_sum()"};
    const auto value = item.find("value");
    if (value == item.end()) return Malformed("vector element has no \"value\"");
    auto sample = ParseSample(*value);
    if (!sample) return sample.error();
    values.push_back(sample->second);
  }
  if (values.size() == 1) return Value::Scalar(values[0]);
  return Value::Vector(std::move(values));
}

std::string FormatValue(const Value& v) {
  std::string out = v.is_vector ? "[" : "";
  for (std::size_t i = 0; i < v.values.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.values[i]);
    out += (i ? ", " : "") + std::string(buf);
  }
  return out + (v.is_vector ? "]" : "");
}

// The missing-data phase for `v`, or nullopt when the conditions should see it.
std::optional<std::pair<MeasurementPhase, std::string>> MissingData(
    const Value& v, const MeasurementConditions& c) {
  const bool handled = (c.success && c.success->HandlesMissingData()) ||
                       (c.failure && c.failure->HandlesMissingData());
  if (handled) return std::nullopt;
  if (v.values.empty()) return std::make_pair(c.missing.on_empty, std::string("empty result"));
  for (double d : v.values) {
    if (std::isnan(d)) return std::make_pair(c.missing.on_nan, std::string("result is NaN"));
    if (std::isinf(d)) return std::make_pair(c.missing.on_inf, std::string("result is infinite"));
  }
  return std::nullopt;
}

// Applies the conditions; an evaluation error becomes an Error measurement.
std::pair<MeasurementPhase, std::string> Judge(const Value& v, const MeasurementConditions& c) {
  using P = MeasurementPhase;
  if (c.failure) {
    auto f = c.failure->Evaluate(v);
    if (!f) return {P::kError, "failure condition: " + f.error().message};
    if (*f) return {P::kFailed, "failure condition met: " + c.failure->text()};
  }
  const bool has_success = c.success || c.range;
  bool ok = true;
  if (c.success) {
    auto s = c.success->Evaluate(v);
    if (!s) return {P::kError, "success condition: " + s.error().message};
    ok = *s;
  }
  if (c.range) {
    if (v.values.size() != 1)
      return {P::kError, "a min/max range needs a single value, got " +
                             std::to_string(v.values.size())};
    ok = ok && c.range->Contains(v.values[0]);
  }
  if (!has_success) return {P::kSuccessful, "failure condition not met"};
  if (ok) return {P::kSuccessful, "success condition met"};
  if (c.failure) return {P::kInconclusive, "neither the success nor the failure condition met"};
  return {P::kFailed, "success condition not met"};
}

}  // namespace

Result<Value> DecodeInstantQuery(const json& body) {
  auto unwrapped = Unwrap(body);
  if (!unwrapped) return unwrapped.error();
  const auto& [type, result] = *unwrapped;
  if (type == "scalar") {
    auto sample = ParseSample(*result);
    if (!sample) return sample.error();
    return Value::Scalar(sample->second);
  }
  if (type == "vector") return DecodeVector(*result);
  return Error{"prometheus: an instant query must return a scalar or a vector, got " + type};
}

Result<std::vector<Series>> DecodeRangeQuery(const json& body) {
  auto unwrapped = Unwrap(body);
  if (!unwrapped) return unwrapped.error();
  const auto& [type, result] = *unwrapped;
  if (type != "matrix") return Error{"prometheus: a range query must return a matrix, got " + type};
  if (!result->is_array()) return Malformed("matrix result is not an array");
  std::vector<Series> out;
  for (const json& item : *result) {
    if (!item.is_object()) return Malformed("matrix element is not an object");
    Series s;
    auto labels = Labels(item);
    if (!labels) return labels.error();
    s.labels = std::move(*labels);
    const auto values = item.find("values");
    if (values == item.end() || !values->is_array()) {
      if (item.contains("histograms"))
        return Error{"prometheus: native histogram samples are not supported"};
      return Malformed("matrix element has no \"values\" array");
    }
    for (const json& pair : *values) {
      auto sample = ParseSample(pair);
      if (!sample) return sample.error();
      s.samples.push_back(*sample);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<double> SampleValues(std::span<const Series> series) {
  std::vector<double> out;
  for (const Series& s : series)
    for (const auto& [t, v] : s.samples) out.push_back(v);
  return out;
}

Measurement EvaluateInstantQuery(const Result<json>& response, const MeasurementConditions& c,
                                 WallTime started_at, WallTime finished_at) {
  Measurement m;
  m.started_at = started_at;
  m.finished_at = finished_at;
  if (!response) {
    m.phase = MeasurementPhase::kError;
    m.message = response.error().message;
    return m;
  }
  auto value = DecodeInstantQuery(*response);
  if (!value) {
    m.phase = MeasurementPhase::kError;
    m.message = value.error().message;
    return m;
  }
  m.value = *value;
  if (auto missing = MissingData(*value, c)) {
    std::tie(m.phase, m.message) = *missing;
    return m;
  }
  std::tie(m.phase, m.message) = Judge(*value, c);
  m.message = FormatValue(*value) + ": " + m.message;
  return m;
}

}  // namespace ferry::analysis
