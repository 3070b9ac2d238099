// ParseRfc3339: the one timestamp parser. The API server writes metav1.Time as
// "2026-11-25T10:00:00Z" and metav1.MicroTime as "2026-11-25T10:00:00.123456Z"; exec plugins,
// Git hosts and Jobs' annotations write any RFC 3339 form. All of them go through here.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace ferry {

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" the way Go's
// time.Parse(time.RFC3339, ...) does: exact digit counts, fields in range (month 1-12, a day
// the month has, hour < 24, minute and second < 60), any number of fractional digits (the
// first nine count), a lower-case 't' or 'z' accepted. Nothing may follow.
//
// Any year from 0000 to 9999 parses, but system_clock counts nanoseconds in 64 bits and so
// only reaches 1677..2262: a time outside that range comes back as time_point::min() or
// max() ("9999-12-31T23:59:59Z", a credential that never expires, is max(), not an overflow).
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

}  // namespace ferry
