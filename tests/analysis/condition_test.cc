#include "operator/analysis/condition.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ferry::analysis {
namespace {

struct EvalCase {
  const char* expr;
  Value result;
  bool want;
};

TEST(ConditionTest, Evaluates) {
  const Value half = Value::Scalar(0.5);
  const EvalCase cases[] = {
      {"result < 0.01", Value::Scalar(0.001), true},
      {"result < 0.01", Value::Scalar(0.01), false},
      {"result <= 0.01", Value::Scalar(0.01), true},
      {"result > 1e-3", Value::Scalar(0.002), true},
      {"result > 1E+3", Value::Scalar(999), false},
      {"result >= .5", half, true},
      {"result == 0.5", half, true},
      {"result != 0.5", half, false},
      {"result >= 0.95 && result <= 1.2", Value::Scalar(1.0), true},
      {"result >= 0.95 && result <= 1.2", Value::Scalar(1.3), false},
      {"result >= 0.95 and result <= 1.2", Value::Scalar(0.9), false},
      {"result < 0 || result > 1", Value::Scalar(2), true},
      {"result < 0 or result > 1", half, false},
      {"!(result > 5)", Value::Scalar(6), false},
      {"not (result > 5)", Value::Scalar(4), true},
      {"!!(result > 5)", Value::Scalar(6), true},
      {"result > -1", Value::Scalar(-0.5), true},
      {"-result < 0", Value::Scalar(3), true},
      {"(result) > 0.25", half, true},
      {"((result > 0.25))", half, true},
      {"true", half, true},
      {"false || result == 0.5", half, true},
      // && binds tighter than ||.
      {"result > 10 || result > 0 && result < 1", half, true},
      {"(result > 10 || result > 0) && result > 1", half, false},
      // Vectors.
      {"result[0] < 1", Value::Vector({0.5, 7}), true},
      {"result[1] < 1", Value::Vector({0.5, 7}), false},
      {"len(result) > 0", Value::Vector({}), false},
      {"len(result) == 2", Value::Vector({1, 2}), true},
      {"len(result) == 1", Value::Scalar(3), true},
      {"result < 1", Value::Vector({0.5}), true},  // one-element vector acts as its value
      {"result[0] < 1", half, true},               // result[0] of a scalar is the scalar
      {"len(result) > 0 && result[0] < 1", Value::Vector({}), false},  // short-circuit
      {"len(result) == 0 || result[0] < 1", Value::Vector({}), true},
  };
  for (const EvalCase& c : cases) {
    auto cond = Condition::Parse(c.expr);
    ASSERT_TRUE(cond.ok()) << c.expr << ": " << cond.error().message;
    auto got = cond->Evaluate(c.result);
    ASSERT_TRUE(got.ok()) << c.expr << ": " << got.error().message;
    EXPECT_EQ(*got, c.want) << c.expr;
    EXPECT_EQ(cond->text(), c.expr);
  }
}

TEST(ConditionTest, NaNFollowsIEEEUnlessTestedExplicitly) {
  const Value nan = Value::Scalar(NAN), inf = Value::Scalar(INFINITY);
  const EvalCase cases[] = {
      {"result < 1", nan, false},
      {"result >= 1", nan, false},
      {"result == result", nan, false},
      {"result != 1", nan, true},
      {"!(result > 5)", nan, true},
      {"!(result > 5) || isNaN(result)", nan, true},
      {"isNaN(result)", nan, true},
      {"isNaN(result)", Value::Scalar(1), false},
      {"isInf(result)", inf, true},
      {"isInf(-result)", inf, true},
      {"isInf(result)", nan, false},
      {"result > 1e308", inf, true},
  };
  for (const EvalCase& c : cases) {
    auto cond = Condition::Parse(c.expr);
    ASSERT_TRUE(cond.ok()) << c.expr << ": " << cond.error().message;
    auto got = cond->Evaluate(c.result);
    ASSERT_TRUE(got.ok()) << c.expr;
    EXPECT_EQ(*got, c.want) << c.expr;
  }
}

TEST(ConditionTest, ParseErrorsPointAtTheColumn) {
  struct Case {
    const char* expr;
    const char* error;
  };
  const Case cases[] = {
      {"result < ", "condition: column 10: expected a number after '<'"},
      {"result <", "condition: column 9: expected a number after '<'"},
      {"result < && 1", "condition: column 10: expected a number after '<'"},
      {"", "condition: column 1: expected a number, 'result' or '(' but found end of condition"},
      {"result", "condition: column 1: the expression is a number, not a condition; compare it, "
                 "e.g. 'result < 1'"},
      {"result < 1 &&", "condition: column 14: expected a condition after '&&'"},
      {"result < 1 ||  ", "condition: column 16: expected a condition after '||'"},
      {"!", "condition: column 2: expected a condition after '!'"},
      {"result && result > 1", "condition: column 8: expected a condition before '&&', found a "
                               "number"},
      {"result > 1 || 2", "condition: column 15: expected a condition after '||', found a number"},
      {"!result", "condition: column 2: expected a condition after '!', found a number"},
      {"result < 1 < 2", "condition: column 12: comparisons cannot be chained; join them with "
                         "'&&'"},
      {"(result > 1) < 2", "condition: column 14: expected a number before '<', found a "
                           "condition"},
      {"1 < (result > 1)", "condition: column 5: expected a number after '<', found a condition"},
      {"(result > 1", "condition: column 12: expected ')' to close '(' at column 1, found end of "
                      "condition"},
      {"result > 1)", "condition: column 11: unexpected ')'"},
      {"result > 1 2", "condition: column 12: unexpected '2'"},
      {"result = 1", "condition: column 8: unexpected '='; did you mean '=='?"},
      {"result > 1 & result < 2", "condition: column 12: unexpected '&'; did you mean '&&'?"},
      {"result > 1 | result < 2", "condition: column 12: unexpected '|'; did you mean '||'?"},
      {"result > 1.2.3", "condition: column 10: malformed number '1.2.3'"},
      {"result > 1e", "condition: column 10: malformed number '1e'"},
      {"result > 5x", "condition: column 10: malformed number '5x'"},
      {"result > $", "condition: column 10: unexpected character '$'"},
      {"value > 1", "condition: column 1: unknown name 'value'; expected result, len, isNaN, "
                    "isInf, true or false"},
      {"result[-1] > 0", "condition: column 8: expected a non-negative integer index after '['"},
      {"result[0.5] > 0", "condition: column 8: expected a non-negative integer index after '['"},
      {"result[0 > 0", "condition: column 10: expected ']' after the index, found '>'"},
      {"result[99999999999999999999] > 0", "condition: column 8: index 99999999999999999999 is "
                                           "too large"},
      {"len(x) > 0", "condition: column 5: len() takes 'result'"},
      {"len result > 0", "condition: column 5: expected '(' after 'len', found 'result'"},
      {"isNaN(result > 1)", "condition: column 7: isNaN() takes a number, found a condition"},
      {"isNaN(result", "condition: column 13: expected ')' to close 'isNaN(', found end of "
                       "condition"},
      {"-(result > 1)", "condition: column 2: expected a number after '-', found a condition"},
  };
  for (const Case& c : cases) {
    auto cond = Condition::Parse(c.expr);
    ASSERT_FALSE(cond.ok()) << "parsed: " << c.expr;
    EXPECT_EQ(cond.error().message, c.error) << c.expr;
  }
}

TEST(ConditionTest, NestingAndLengthAreBounded) {
  auto repeat = [](std::string_view piece, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += piece;
    return out;
  };
  const int limit = kMaxConditionNesting;
  struct Case { std::string expr, error; };  // error "" = parses
  const Case cases[] = {
      {repeat("!", limit) + "true", ""},
      {repeat("!", limit + 1) + "true",
       "condition: column " + std::to_string(limit + 1) + ": nested deeper than 64 levels"},
      {repeat("(", limit) + "true" + repeat(")", limit), ""},
      {repeat("(", limit + 1) + "true" + repeat(")", limit + 1),
       "condition: column " + std::to_string(limit + 1) + ": nested deeper than 64 levels"},
      {"result > " + repeat("-", limit + 1) + "1",
       "condition: column " + std::to_string(9 + limit + 1) + ": nested deeper than 64 levels"},
      {repeat("isNaN(", limit + 1) + "1" + repeat(")", limit + 1),
       "condition: column " + std::to_string(6 * limit + 1) + ": nested deeper than 64 levels"},
      {"result < 1" + std::string(kMaxConditionLength - 10, ' '), ""},
      {"result < 1" + std::string(kMaxConditionLength - 9, ' '),
       "condition: longer than 1024 characters"},
  };
  for (const Case& c : cases) {
    auto cond = Condition::Parse(c.expr);
    if (c.error.empty()) {
      EXPECT_TRUE(cond.ok()) << c.expr << ": " << cond.error().message;
    } else {
      ASSERT_FALSE(cond.ok()) << c.expr;
      EXPECT_EQ(cond.error().message, c.error) << c.expr;
    }
  }
}

TEST(ConditionTest, EvaluationErrorsForVectorMisuse) {
  auto whole = Condition::Parse("result < 1");
  ASSERT_TRUE(whole.ok());
  auto many = whole->Evaluate(Value::Vector({1, 2}));
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().message, "result is a vector of 2 values; use result[i] or len(result)");
  EXPECT_FALSE(whole->Evaluate(Value::Vector({})).ok());

  auto indexed = Condition::Parse("result[2] < 1");
  ASSERT_TRUE(indexed.ok());
  auto out = indexed->Evaluate(Value::Vector({1, 2}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "result[2]: index out of range (len 2)");
}

TEST(ConditionTest, HandlesMissingDataOnlyWhenItSaysSo) {
  EXPECT_FALSE(Condition::Parse("result < 1")->HandlesMissingData());
  EXPECT_TRUE(Condition::Parse("result < 1 || isNaN(result)")->HandlesMissingData());
  EXPECT_TRUE(Condition::Parse("isInf(result)")->HandlesMissingData());
  EXPECT_TRUE(Condition::Parse("len(result) == 0")->HandlesMissingData());
}

TEST(ConditionTest, ParsedOnceEvaluatedMany) {
  auto cond = Condition::Parse("result >= 0.95 && result <= 1.2");
  ASSERT_TRUE(cond.ok());
  const Condition copy = *cond;  // a value type: the controller keeps one per metric
  int passes = 0;
  for (int i = 0; i < 200; ++i) passes += *copy.Evaluate(Value::Scalar(i / 100.0)) ? 1 : 0;
  EXPECT_EQ(passes, 26);  // 0.95, 0.96, ..., 1.20: both bounds inclusive
}

TEST(RangeConditionTest, Table) {
  struct Case {
    RangeCondition range;
    double value;
    bool want;
  };
  const Case cases[] = {
      {{0.0, 1.0}, 0.5, true},        {{0.0, 1.0}, 0.0, true},
      {{0.0, 1.0}, 1.0, true},        {{0.0, 1.0}, 1.5, false},
      {{0.0, 1.0}, -0.1, false},      {{std::nullopt, 1.0}, -1e9, true},
      {{0.95, std::nullopt}, 7, true}, {{0.95, std::nullopt}, 0.9, false},
      {{}, 123, true},                {{0.0, 1.0}, NAN, false},
      {{}, NAN, false},               {{0.0, std::nullopt}, INFINITY, true},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(c.range.Validate().ok());
    EXPECT_EQ(c.range.Contains(c.value), c.want) << c.value;
  }
  EXPECT_EQ(RangeCondition({2.0, 1.0}).Validate().error().message,
            "min must not be greater than max");
  EXPECT_FALSE(RangeCondition({NAN, std::nullopt}).Validate().ok());
  EXPECT_FALSE(RangeCondition({std::nullopt, INFINITY}).Validate().ok());
}

}  // namespace
}  // namespace ferry::analysis
