// Prometheus /api/v1/query and /api/v1/query_range answers: DecodeInstantQuery,
// DecodeRangeQuery, and EvaluateInstantQuery with a success and a failure condition.
#include <chrono>

#include "operator/analysis/prometheus_result.h"
#include "operator/base/json.h"
#include "tests/fuzz/fuzz_input.h"

using namespace ferry::analysis;

namespace {

const MeasurementConditions& Conditions() {
  static const MeasurementConditions c = [] {
    MeasurementConditions m;
    m.success = *Condition::Parse("result < 0.05 || len(result) > 2");
    m.failure = *Condition::Parse("result[0] >= 0.5");
    m.range = RangeCondition{0.0, 1.0};
    return m;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = ferry::ParseJson(ferry::fuzz::AsText(data, size));
  if (!doc) return 0;
  if (auto v = DecodeInstantQuery(*doc); !v) (void)nlohmann::json(v.error().message).dump();
  if (auto series = DecodeRangeQuery(*doc)) {
    (void)SampleValues(*series);
  } else {
    (void)nlohmann::json(series.error().message).dump();
  }
  const WallTime t0{std::chrono::seconds(1700000000)};
  Measurement m = EvaluateInstantQuery(*doc, Conditions(), t0, t0 + std::chrono::seconds(1));
  (void)nlohmann::json(m.message).dump();
  MeasurementConditions bare;
  (void)EvaluateInstantQuery(*doc, bare, t0, t0);
  return 0;
}
