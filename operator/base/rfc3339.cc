#include "operator/base/rfc3339.h"

#include <cstdint>

namespace ferry {
namespace {

using std::chrono::system_clock;

// A cursor over the text; every reader advances only on success.
struct Reader {
  std::string_view s;
  std::size_t pos = 0;

  std::optional<int> Digits(std::size_t n) {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s[pos + i];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
  }
  bool Take(char a, char b = '\0') {
    if (pos >= s.size() || (s[pos] != a && (b == '\0' || s[pos] != b))) return false;
    ++pos;
    return true;
  }
};

// The fraction after '.', in nanoseconds (digits past the ninth are read and ignored).
std::optional<std::int64_t> Fraction(Reader& r) {
  if (!r.Take('.')) return 0;
  std::int64_t ns = 0, scale = 100'000'000;
  const std::size_t start = r.pos;
  while (r.pos < r.s.size() && r.s[r.pos] >= '0' && r.s[r.pos] <= '9') {
    ns += (r.s[r.pos] - '0') * scale;
    scale /= 10;
    ++r.pos;
  }
  if (r.pos == start) return std::nullopt;
  return ns;
}

// The zone's offset east of UTC, in seconds.
std::optional<std::int64_t> Offset(Reader& r) {
  if (r.Take('Z', 'z')) return 0;
  const int sign = r.Take('+') ? 1 : r.Take('-') ? -1 : 0;
  if (sign == 0) return std::nullopt;
  auto hh = r.Digits(2);
  if (!hh || !r.Take(':')) return std::nullopt;
  auto mm = r.Digits(2);
  if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
  return sign * (*hh * 3600 + *mm * 60);
}

}  // namespace

std::optional<system_clock::time_point> ParseRfc3339(std::string_view text) {
  using namespace std::chrono;
  Reader r{text};
  auto y = r.Digits(4);
  auto mo = y && r.Take('-') ? r.Digits(2) : std::nullopt;
  auto d = mo && r.Take('-') ? r.Digits(2) : std::nullopt;
  auto h = d && r.Take('T', 't') ? r.Digits(2) : std::nullopt;
  auto mi = h && r.Take(':') ? r.Digits(2) : std::nullopt;
  auto s = mi && r.Take(':') ? r.Digits(2) : std::nullopt;
  if (!s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  auto frac = Fraction(r);
  auto offset = frac ? Offset(r) : std::nullopt;
  if (!offset || r.pos != text.size()) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;

  const std::int64_t secs = sys_days{date}.time_since_epoch().count() * 86400LL +
                            *h * 3600LL + *mi * 60LL + *s - *offset;
  // Keep one second of headroom so adding the fraction cannot overflow either.
  constexpr std::int64_t kMaxSecs = duration_cast<seconds>(system_clock::duration::max()).count();
  constexpr std::int64_t kMinSecs = duration_cast<seconds>(system_clock::duration::min()).count();
  if (secs >= kMaxSecs) return system_clock::time_point::max();
  if (secs <= kMinSecs) return system_clock::time_point::min();
  return system_clock::time_point{duration_cast<system_clock::duration>(seconds{secs}) +
                                  duration_cast<system_clock::duration>(nanoseconds{*frac})};
}

}  // namespace ferry
