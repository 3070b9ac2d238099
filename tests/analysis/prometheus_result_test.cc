#include "operator/analysis/prometheus_result.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ferry::analysis {
namespace {

using nlohmann::json;

json Scalar(const char* v) {
  return json::parse(std::string(R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.5,")") +
                     v + "\"]}}");
}

json Vector(std::initializer_list<const char*> values) {
  json result = json::array();
  int i = 0;
  for (const char* v : values)
    result.push_back({{"metric", {{"pod", "p" + std::to_string(i++)}}},
                      {"value", {1700000000.5, v}}});
  return {{"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}};
}

TEST(DecodeInstantQueryTest, ScalarsAndVectors) {
  auto s = DecodeInstantQuery(Scalar("0.012"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->is_vector);
  EXPECT_DOUBLE_EQ(s->values.at(0), 0.012);

  auto one = DecodeInstantQuery(Vector({"1e-3"}));
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->is_vector);  // a one-element vector is its value
  EXPECT_DOUBLE_EQ(one->values.at(0), 0.001);

  auto many = DecodeInstantQuery(Vector({"1", "2", "3"}));
  ASSERT_TRUE(many.ok());
  EXPECT_TRUE(many->is_vector);
  EXPECT_EQ(many->values, (std::vector<double>{1, 2, 3}));

  auto empty = DecodeInstantQuery(Vector({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->is_vector);
  EXPECT_TRUE(empty->values.empty());

  EXPECT_TRUE(std::isnan(DecodeInstantQuery(Scalar("NaN"))->values.at(0)));
  EXPECT_EQ(DecodeInstantQuery(Scalar("+Inf"))->values.at(0), INFINITY);
  EXPECT_EQ(DecodeInstantQuery(Vector({"-Inf"}))->values.at(0), -INFINITY);
}

TEST(DecodeInstantQueryTest, ErrorsNameTheProblem) {
  struct Case {
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {R"({"status":"error","errorType":"bad_data","error":"parse error at char 5"})",
       "prometheus: query failed (bad_data): parse error at char 5"},
      {R"([1,2])", "prometheus: malformed response: body is not a JSON object"},
      {R"({"data":{}})", "prometheus: malformed response: no \"status\""},
      {R"({"status":"success"})", "prometheus: malformed response: no \"data\" object"},
      {R"({"status":"success","data":{"result":[]}})",
       "prometheus: malformed response: \"data\" needs \"resultType\" and \"result\""},
      {R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})",
       "prometheus: an instant query must return a scalar or a vector, got string"},
      {R"({"status":"success","data":{"resultType":"scalar","result":[1,"abc"]}})",
       "prometheus: malformed response: sample value \"abc\" is not a number"},
      {R"({"status":"success","data":{"resultType":"scalar","result":[1,2]}})",
       "prometheus: malformed response: sample value is not a string"},
      {R"({"status":"success","data":{"resultType":"scalar","result":["1","2"]}})",
       "prometheus: malformed response: a sample must be [<unix time>, \"<value>\"]"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})",
       "prometheus: malformed response: vector element has no \"value\""},
      {R"({"status":"success","data":{"resultType":"vector","result":{}}})",
       "prometheus: malformed response: vector result is not an array"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"histogram":[1,{}]}]}})",
       "prometheus: native histogram samples are not supported; wrap the query in "
       "histogram_quantile() or histogram_sum()"},
  };
  for (const Case& c : cases) {
    auto r = DecodeInstantQuery(json::parse(c.body));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().message, c.error);
  }
}

TEST(DecodeRangeQueryTest, MatrixToSeries) {
  const json body = json::parse(R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"version":"v2"},"values":[[1700000000,"1.5"],[1700000015,"NaN"]]},
      {"metric":{"version":"v2","pod":"b"},"values":[[1700000000,"2"]]}]}})");
  auto r = DecodeRangeQuery(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].labels.at("version"), "v2");
  ASSERT_EQ((*r)[0].samples.size(), 2u);
  EXPECT_EQ((*r)[0].samples[1].first, 1700000015);
  EXPECT_TRUE(std::isnan((*r)[0].samples[1].second));
  const std::vector<double> pooled = SampleValues(*r);
  ASSERT_EQ(pooled.size(), 3u);
  EXPECT_EQ(pooled[0], 1.5);
  EXPECT_EQ(pooled[2], 2);

  auto empty = DecodeRangeQuery(
      json::parse(R"({"status":"success","data":{"resultType":"matrix","result":[]}})"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  EXPECT_EQ(DecodeRangeQuery(Vector({"1"})).error().message,
            "prometheus: a range query must return a matrix, got vector");
  EXPECT_FALSE(DecodeRangeQuery(json::parse(
                   R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{}}]}})"))
                   .ok());
  EXPECT_FALSE(DecodeRangeQuery(json::parse(
                   R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1},"values":[]}]}})"))
                   .ok());
}

MeasurementConditions Conds(const char* success, const char* failure) {
  MeasurementConditions c;
  if (success) c.success = *Condition::Parse(success);
  if (failure) c.failure = *Condition::Parse(failure);
  return c;
}

struct ResultCase {
  const char* name;
  Result<json> response;
  MeasurementConditions conditions;
  MeasurementPhase want;
};

TEST(EvaluateInstantQueryTest, Table) {
  using P = MeasurementPhase;
  MeasurementConditions failed_on_empty = Conds("result < 0.01", nullptr);
  failed_on_empty.missing.on_empty = P::kFailed;
  MeasurementConditions ok_on_nan = Conds("result < 0.01", nullptr);
  ok_on_nan.missing.on_nan = P::kSuccessful;
  MeasurementConditions in_range;
  in_range.range = RangeCondition{0.0, 0.01};
  const ResultCase cases[] = {
      {"success met", Scalar("0.001"), Conds("result < 0.01", nullptr), P::kSuccessful},
      {"success not met", Scalar("0.5"), Conds("result < 0.01", nullptr), P::kFailed},
      {"failure met", Scalar("0.5"), Conds(nullptr, "result > 0.05"), P::kFailed},
      {"failure not met", Scalar("0.01"), Conds(nullptr, "result > 0.05"), P::kSuccessful},
      {"both, neither met", Scalar("0.03"), Conds("result < 0.01", "result > 0.05"),
       P::kInconclusive},
      {"both, failure wins", Scalar("0.5"), Conds("result < 1", "result > 0.05"), P::kFailed},
      {"no conditions", Scalar("7"), Conds(nullptr, nullptr), P::kSuccessful},
      {"range in", Scalar("0.005"), in_range, P::kSuccessful},
      {"range out", Scalar("0.5"), in_range, P::kFailed},
      {"empty vector is inconclusive", Vector({}), Conds("result < 0.01", nullptr),
       P::kInconclusive},
      {"NaN is inconclusive, not a pass of a failure condition", Scalar("NaN"),
       Conds(nullptr, "result > 0.05"), P::kInconclusive},
      {"+Inf is inconclusive", Scalar("+Inf"), Conds("result < 0.01", nullptr), P::kInconclusive},
      {"-Inf is inconclusive", Vector({"-Inf"}), Conds("result < 0.01", nullptr),
       P::kInconclusive},
      {"empty configured as failed", Vector({}), failed_on_empty, P::kFailed},
      {"NaN configured as successful", Scalar("NaN"), ok_on_nan, P::kSuccessful},
      {"condition handles NaN itself", Scalar("NaN"),
       Conds("result < 0.01 || isNaN(result)", nullptr), P::kSuccessful},
      {"condition handles empty itself", Vector({}),
       Conds("len(result) == 0 || result[0] < 0.01", nullptr), P::kSuccessful},
      {"vector misuse is an error", Vector({"1", "2"}), Conds("result < 0.01", nullptr),
       P::kError},
      {"range over a vector is an error", Vector({"1", "2"}), in_range, P::kError},
      {"transport error", Error{"GET http://prom:9090/api/v1/query: connection refused"},
       Conds("result < 0.01", nullptr), P::kError},
      {"prometheus error", json::parse(R"({"status":"error","errorType":"timeout","error":"x"})"),
       Conds("result < 0.01", nullptr), P::kError},
      {"malformed", json::parse(R"({"status":"success"})"), Conds("result < 0.01", nullptr),
       P::kError},
  };
  const WallTime t0{}, t1 = t0 + std::chrono::seconds(1);
  for (const ResultCase& c : cases) {
    SCOPED_TRACE(c.name);
    Measurement m = EvaluateInstantQuery(c.response, c.conditions, t0, t1);
    EXPECT_EQ(MeasurementPhaseName(m.phase), MeasurementPhaseName(c.want)) << m.message;
    EXPECT_FALSE(m.message.empty());
    EXPECT_EQ(m.started_at, t0);
    EXPECT_EQ(m.finished_at, t1);
  }
}

TEST(EvaluateInstantQueryTest, RecordsValueAndMessage) {
  Measurement m = EvaluateInstantQuery(Scalar("0.5"), Conds("result < 0.01", nullptr), {}, {});
  ASSERT_TRUE(m.value.has_value());
  EXPECT_EQ(m.value->values.at(0), 0.5);
  EXPECT_EQ(m.message, "0.5: success condition not met");
  Measurement e = EvaluateInstantQuery(Error{"connection refused"}, {}, {}, {});
  EXPECT_FALSE(e.value.has_value());
  EXPECT_EQ(e.message, "connection refused");
  Measurement empty = EvaluateInstantQuery(Vector({}), Conds("result < 0.01", nullptr), {}, {});
  EXPECT_EQ(empty.message, "empty result");
}

}  // namespace
}  // namespace ferry::analysis
