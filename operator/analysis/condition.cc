#include "operator/analysis/condition.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace ferry::analysis {
namespace {

using Op = Condition::Op;
using Node = Condition::Node;

enum class Tok { kNumber, kIdent, kOp, kEnd };

struct Token {
  Tok kind;
  std::string text;  // operator spelling or identifier; number text for kNumber
  int column;        // 1-based
};

Error At(int column, const std::string& what) {
  return Error{"condition: column " + std::to_string(column) + ": " + what};
}

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Scans a number: digits [. digits] [(e|E) [+|-] digits], or . digits ...
std::size_t ScanNumber(std::string_view s, std::size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  return i;
}

Result<std::vector<Token>> Lex(std::string_view s) {
  static constexpr std::string_view kTwoChar[] = {"<=", ">=", "==", "!=", "&&", "||"};
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const int col = static_cast<int>(i) + 1;
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      const std::size_t end = ScanNumber(s, i);
      const std::string text(s.substr(i, end - i));
      char* parsed_end = nullptr;
      std::strtod(text.c_str(), &parsed_end);
      std::size_t run = end;  // "1.2.3" or "5x": report the whole run
      while (run < s.size() && (IsIdentChar(s[run]) || s[run] == '.')) ++run;
      if (parsed_end != text.c_str() + text.size() || run != end)
        return At(col, "malformed number '" + std::string(s.substr(i, run - i)) + "'");
      out.push_back({Tok::kNumber, text, col});
      i = end;
      continue;
    }
    if (IsIdentStart(c)) {
      std::size_t end = i;
      while (end < s.size() && IsIdentChar(s[end])) ++end;
      out.push_back({Tok::kIdent, std::string(s.substr(i, end - i)), col});
      i = end;
      continue;
    }
    bool two = false;
    for (std::string_view op : kTwoChar) two |= s.substr(i, 2) == op;
    if (two) {
      out.push_back({Tok::kOp, std::string(s.substr(i, 2)), col});
      i += 2;
      continue;
    }
    if (std::string_view("<>!()[]-").find(c) != std::string_view::npos) {
      out.push_back({Tok::kOp, std::string(1, c), col});
      ++i;
      continue;
    }
    if (c == '&' || c == '|' || c == '=')
      return At(col, std::string("unexpected '") + c + "'; did you mean '" + c + c + "'?");
    return At(col, std::string("unexpected character '") + c + "'");
  }
  out.push_back({Tok::kEnd, "", static_cast<int>(s.size()) + 1});
  return out;
}

bool IsBoolOp(Op op) { return op >= Op::kTrue; }  // see the order of Condition::Op

// Recursive descent over the tokens; each Parse* returns the index of the node it built.
class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<int> ParseAll() {
    auto root = ParseOr();
    if (!root) return root;
    if (Peek().kind != Tok::kEnd) return At(Peek().column, "unexpected " + Describe(Peek()));
    if (!IsBool(*root))
      return At(1, "the expression is a number, not a condition; compare it, e.g. 'result < 1'");
    return root;
  }
  std::vector<Node> nodes;
  bool handles_missing = false;

 private:
  const Token& Peek() const { return toks_[pos_]; }
  const Token& Next() { return toks_[pos_++]; }
  bool IsOp(std::string_view a, std::string_view word = "") const {
    const Token& t = Peek();
    return (t.kind == Tok::kOp && t.text == a) || (!word.empty() && t.kind == Tok::kIdent &&
                                                   t.text == word);
  }
  bool IsBool(int n) const { return IsBoolOp(nodes[static_cast<std::size_t>(n)].op); }

  // Held across each recursive descent; TooDeep() past kMaxConditionNesting levels.
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p) { ++p_.depth_; }
    ~Nest() { --p_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    bool TooDeep() const { return p_.depth_ > kMaxConditionNesting; }

   private:
    Parser& p_;
  };
  static Error TooDeep(int column) {
    return At(column, "nested deeper than " + std::to_string(kMaxConditionNesting) + " levels");
  }
  int Add(Node n) {
    nodes.push_back(n);
    return static_cast<int>(nodes.size()) - 1;
  }
  static std::string Describe(const Token& t) {
    return t.kind == Tok::kEnd ? "end of condition" : "'" + t.text + "'";
  }

  Result<int> ParseBinaryBool(Op op, std::string_view sym, std::string_view word,
                              Result<int> (Parser::*next)()) {
    auto lhs = (this->*next)();
    if (!lhs) return lhs;
    while (IsOp(sym, word)) {
      const Token op_tok = Next();
      if (!IsBool(*lhs))
        return At(op_tok.column, "expected a condition before '" + op_tok.text + "', found a number");
      const int rhs_col = Peek().column;
      if (Peek().kind == Tok::kEnd)
        return At(rhs_col, "expected a condition after '" + op_tok.text + "'");
      auto rhs = (this->*next)();
      if (!rhs) return rhs;
      if (!IsBool(*rhs))
        return At(rhs_col, "expected a condition after '" + op_tok.text + "', found a number");
      lhs = Add({op, 0, 0, *lhs, *rhs});
    }
    return lhs;
  }
  Result<int> ParseOr() { return ParseBinaryBool(Op::kOr, "||", "or", &Parser::ParseAnd); }
  Result<int> ParseAnd() { return ParseBinaryBool(Op::kAnd, "&&", "and", &Parser::ParseNot); }

  Result<int> ParseNot() {
    if (!IsOp("!", "not")) return ParseComparison();
    const Token op_tok = Next();
    const int col = Peek().column;
    if (Peek().kind == Tok::kEnd) return At(col, "expected a condition after '" + op_tok.text + "'");
    Nest nest(*this);
    if (nest.TooDeep()) return TooDeep(op_tok.column);
    auto operand = ParseNot();
    if (!operand) return operand;
    if (!IsBool(*operand))
      return At(col, "expected a condition after '" + op_tok.text + "', found a number");
    return Add({Op::kNot, 0, 0, *operand, -1});
  }

  static std::optional<Op> ComparisonOp(const Token& t) {
    if (t.kind != Tok::kOp) return std::nullopt;
    if (t.text == "<") return Op::kLt;
    if (t.text == "<=") return Op::kLe;
    if (t.text == ">") return Op::kGt;
    if (t.text == ">=") return Op::kGe;
    if (t.text == "==") return Op::kEq;
    if (t.text == "!=") return Op::kNe;
    return std::nullopt;
  }

  Result<int> ParseComparison() {
    auto lhs = ParseOperand("");
    if (!lhs) return lhs;
    const std::optional<Op> op = ComparisonOp(Peek());
    if (!op) return lhs;
    const Token op_tok = Next();
    if (IsBool(*lhs))
      return At(op_tok.column, "expected a number before '" + op_tok.text + "', found a condition");
    const int rhs_col = Peek().column;
    auto rhs = ParseOperand(op_tok.text);
    if (!rhs) return rhs;
    if (IsBool(*rhs))
      return At(rhs_col, "expected a number after '" + op_tok.text + "', found a condition");
    if (ComparisonOp(Peek()))
      return At(Peek().column, "comparisons cannot be chained; join them with '&&'");
    return Add({*op, 0, 0, *lhs, *rhs});
  }

  // `after` names the operator just read, for "expected a number after '<'".
  Result<int> ParseOperand(const std::string& after) {
    const Token t = Peek();
    if (t.kind == Tok::kNumber) {
      Next();
      return Add({Op::kNumber, std::strtod(t.text.c_str(), nullptr)});
    }
    if (IsOp("-")) {
      Next();
      const int col = Peek().column;
      Nest nest(*this);
      if (nest.TooDeep()) return TooDeep(t.column);
      auto operand = ParseOperand("-");
      if (!operand) return operand;
      if (IsBool(*operand)) return At(col, "expected a number after '-', found a condition");
      return Add({Op::kNeg, 0, 0, *operand, -1});
    }
    if (IsOp("(")) {
      Next();
      Nest nest(*this);
      if (nest.TooDeep()) return TooDeep(t.column);
      auto inner = ParseOr();
      if (!inner) return inner;
      if (Status s = Expect(")", "to close '(' at column " + std::to_string(t.column)); !s)
        return s.error();
      return inner;
    }
    if (t.kind == Tok::kIdent) return ParseName();
    if (!after.empty()) return At(t.column, "expected a number after '" + after + "'");
    return At(t.column, "expected a number, 'result' or '(' but found " + Describe(t));
  }

  Status Expect(std::string_view op, const std::string& why) {
    if (IsOp(op)) {
      Next();
      return {};
    }
    return At(Peek().column, "expected '" + std::string(op) + "' " + why + ", found " +
                                 Describe(Peek()));
  }

  Result<int> ParseName() {
    const Token t = Next();
    if (t.text == "true") return Add({Op::kTrue});
    if (t.text == "false") return Add({Op::kFalse});
    if (t.text == "result") return ParseResult();
    if (t.text == "len") {
      handles_missing = true;
      if (Status s = Expect("(", "after 'len'"); !s) return s.error();
      if (Peek().kind != Tok::kIdent || Peek().text != "result")
        return At(Peek().column, "len() takes 'result'");
      Next();
      if (Status s = Expect(")", "to close 'len('"); !s) return s.error();
      return Add({Op::kLen});
    }
    if (t.text == "isNaN" || t.text == "isInf") {
      handles_missing = true;
      if (Status s = Expect("(", "after '" + t.text + "'"); !s) return s.error();
      const int col = Peek().column;
      Nest nest(*this);
      if (nest.TooDeep()) return TooDeep(t.column);
      auto arg = ParseOr();
      if (!arg) return arg;
      if (IsBool(*arg)) return At(col, t.text + "() takes a number, found a condition");
      if (Status s = Expect(")", "to close '" + t.text + "('"); !s) return s.error();
      return Add({t.text == "isNaN" ? Op::kIsNaN : Op::kIsInf, 0, 0, *arg, -1});
    }
    return At(t.column, "unknown name '" + t.text +
                            "'; expected result, len, isNaN, isInf, true or false");
  }

  Result<int> ParseResult() {
    if (!IsOp("[")) return Add({Op::kResult});
    Next();
    const Token idx = Peek();
    if (idx.kind != Tok::kNumber ||
        idx.text.find_first_not_of("0123456789") != std::string::npos)
      return At(idx.column, "expected a non-negative integer index after '['");
    std::size_t index = 0;
    auto [end, ec] = std::from_chars(idx.text.data(), idx.text.data() + idx.text.size(), index);
    if (ec != std::errc() || end != idx.text.data() + idx.text.size())
      return At(idx.column, "index " + idx.text + " is too large");
    Next();
    if (Status s = Expect("]", "after the index"); !s) return s.error();
    return Add({Op::kResultAt, 0, index});
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Condition> Condition::Parse(std::string_view text) {
  if (text.size() > kMaxConditionLength) {
    return Error{"condition: longer than " + std::to_string(kMaxConditionLength) + " characters"};
  }
  auto toks = Lex(text);
  if (!toks) return toks.error();
  Parser p(std::move(*toks));
  auto root = p.ParseAll();
  if (!root) return root.error();
  Condition c;
  c.text_ = std::string(text);
  c.nodes_ = std::move(p.nodes);
  c.root_ = *root;
  c.handles_missing_ = p.handles_missing;
  return c;
}

Result<bool> Condition::Evaluate(const Value& result) const { return Truth(root_, result); }

Result<double> Condition::Number(int node, const Value& v) const {
  const Node& n = nodes_[static_cast<std::size_t>(node)];
  switch (n.op) {
    case Op::kNumber: return n.number;
    case Op::kLen: return static_cast<double>(v.values.size());
    case Op::kNeg: {
      auto x = Number(n.lhs, v);
      if (!x) return x;
      return -*x;
    }
    case Op::kResult:
      if (v.values.size() == 1) return v.values[0];
      return Error{"result is a vector of " + std::to_string(v.values.size()) +
                   " values; use result[i] or len(result)"};
    case Op::kResultAt:
      if (n.index < v.values.size()) return v.values[n.index];
      return Error{"result[" + std::to_string(n.index) + "]: index out of range (len " +
                   std::to_string(v.values.size()) + ")"};
    default: break;
  }
  return Error{"condition: internal error: not a number node"};
}

Result<bool> Condition::Truth(int node, const Value& v) const {
  const Node& n = nodes_[static_cast<std::size_t>(node)];
  switch (n.op) {
    case Op::kTrue: return true;
    case Op::kFalse: return false;
    case Op::kNot: {
      auto x = Truth(n.lhs, v);
      if (!x) return x;
      return !*x;
    }
    case Op::kAnd:
    case Op::kOr: {
      auto l = Truth(n.lhs, v);
      if (!l) return l;
      if (*l == (n.op == Op::kOr)) return *l;  // short-circuit
      return Truth(n.rhs, v);
    }
    case Op::kIsNaN:
    case Op::kIsInf: {
      auto x = Number(n.lhs, v);
      if (!x) return x.error();
      return n.op == Op::kIsNaN ? std::isnan(*x) : std::isinf(*x);
    }
    default: break;
  }
  auto l = Number(n.lhs, v);
  if (!l) return l.error();
  auto r = Number(n.rhs, v);
  if (!r) return r.error();
  switch (n.op) {
    case Op::kLt: return *l < *r;
    case Op::kLe: return *l <= *r;
    case Op::kGt: return *l > *r;
    case Op::kGe: return *l >= *r;
    case Op::kEq: return *l == *r;
    case Op::kNe: return *l != *r;
    default: break;
  }
  return Error{"condition: internal error: not a condition node"};
}

Status RangeCondition::Validate() const {
  if (min && !std::isfinite(*min)) return Error{"min must be a finite number"};
  if (max && !std::isfinite(*max)) return Error{"max must be a finite number"};
  if (min && max && *min > *max) return Error{"min must not be greater than max"};
  return {};
}

bool RangeCondition::Contains(double value) const {
  if (std::isnan(value)) return false;
  return (!min || value >= *min) && (!max || value <= *max);
}

}  // namespace ferry::analysis
