// Success/failure conditions over a measurement's `result`, parsed once (at validation) into a
// small typed AST and evaluated per measurement.
//
// Grammar (lowest precedence first; `and`/`or`/`not` are synonyms of `&&`/`||`/`!`):
//   condition  := or
//   or         := and { "||" and }
//   and        := not { "&&" not }
//   not        := "!" not | comparison
//   comparison := operand [ ("<" | "<=" | ">" | ">=" | "==" | "!=") operand ]  (no chaining)
//   operand    := "-" operand | NUMBER | "result" [ "[" INDEX "]" ] | "len(result)"
//               | "isNaN(" operand ")" | "isInf(" operand ")" | "true" | "false" | "(" or ")"
//   NUMBER     := 12 | 0.5 | .5 | 1e-3 | 2.5E+6          INDEX := a non-negative integer
// Types are checked at parse time: && || ! take conditions, comparisons take numbers, and the
// whole expression must be a condition. Examples:
//   result < 0.01
//   result >= 0.95 && result <= 1.2
//   !(result > 5) || isNaN(result)
//   len(result) > 0 && result[0] < 100
// Parse errors name the 1-based column: "condition: column 10: expected a number after '<'".
// A condition is at most kMaxConditionLength bytes (the CRD's maxLength) and nests at most
// kMaxConditionNesting levels of "(", "!", "-", isNaN and isInf: parsing and evaluation recurse.
//
// Evaluation follows IEEE 754: every comparison with NaN is false except `!=`, which is true;
// use isNaN(...) to test for it. `result` on a vector of exactly one value is that value;
// on any other vector it is an evaluation error (use result[i] or len(result)); result[0] on a
// scalar is the scalar. An out-of-range index is an evaluation error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/analysis/value.h"
#include "operator/base/result.h"

namespace ferry::analysis {

inline constexpr std::size_t kMaxConditionLength = 1024;
inline constexpr int kMaxConditionNesting = 64;

class Condition {
 public:
  // Parses `text`; the error message is "condition: column N: <what is wrong>".
  static Result<Condition> Parse(std::string_view text);

  // Evaluates against one measurement's result.
  Result<bool> Evaluate(const Value& result) const;

  // True when the expression itself deals with missing data (uses isNaN, isInf or len), so an
  // empty, NaN or infinite result should be handed to it rather than declared inconclusive.
  bool HandlesMissingData() const { return handles_missing_; }

  const std::string& text() const { return text_; }

  // Implementation detail, public only so the parser in condition.cc can build it.
  enum class Op {
    kNumber, kResult, kResultAt, kLen, kNeg,                     // numbers
    kTrue, kFalse,                                               // conditions from here on
    kLt, kLe, kGt, kGe, kEq, kNe, kAnd, kOr, kNot, kIsNaN, kIsInf,  // conditions
  };
  struct Node {
    Op op;
    double number = 0;  // kNumber
    std::size_t index = 0;  // kResultAt
    int lhs = -1;  // child node indices into nodes_
    int rhs = -1;
  };

 private:
  Result<double> Number(int node, const Value& v) const;
  Result<bool> Truth(int node, const Value& v) const;

  std::string text_;
  std::vector<Node> nodes_;
  int root_ = -1;
  bool handles_missing_ = false;
};

// The simple alternative to an expression: success iff min <= value <= max (each bound
// optional, inclusive). NaN is never in range.
struct RangeCondition {
  std::optional<double> min;
  std::optional<double> max;

  // Errors when a bound is not finite or min > max.
  Status Validate() const;
  bool Contains(double value) const;
};

}  // namespace ferry::analysis
