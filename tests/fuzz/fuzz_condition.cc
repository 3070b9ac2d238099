// The analysis condition language: Parse, then Evaluate against scalars, vectors, NaN, ±Inf and
// the empty vector. Parse errors and evaluation errors must be messages, never a crash; a
// parsed condition must parse again from its own text with the same results.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "operator/analysis/condition.h"
#include "tests/fuzz/fuzz_input.h"

using ferry::analysis::Condition;
using ferry::analysis::Value;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto cond = Condition::Parse(ferry::fuzz::AsText(data, size));
  if (!cond) return 0;
  auto again = Condition::Parse(cond->text());
  if (!again) std::abort();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const std::vector<Value> values = {
      Value::Scalar(0),          Value::Scalar(0.5),           Value::Scalar(-1e308),
      Value::Scalar(kNaN),       Value::Scalar(kInf),          Value::Scalar(-kInf),
      Value::Vector({}),         Value::Vector({1, 2, 3}),     Value::Vector({kNaN}),
      Value::Vector({0.01}),
  };
  for (const auto& v : values) {
    auto a = cond->Evaluate(v);
    auto b = again->Evaluate(v);
    if (a.ok() != b.ok() || (a.ok() && *a != *b)) std::abort();
  }
  (void)cond->HandlesMissingData();
  return 0;
}
