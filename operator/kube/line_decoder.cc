#include "operator/kube/line_decoder.h"

namespace ferry::kube {

bool LineDecoder::Feed(std::string_view chunk) {
  if (failed_) return false;
  Compact();
  buf_.append(chunk);
  // A line longer than the limit with no newline in sight: fail instead of growing forever.
  if (buf_.find('\n', pos_ + scan_) == std::string::npos && buf_.size() - pos_ > max_line_) {
    failed_ = true;
    buf_.clear();
    buf_.shrink_to_fit();
    pos_ = scan_ = 0;
    return false;
  }
  return true;
}

std::optional<std::string> LineDecoder::Next() {
  while (!failed_) {
    std::size_t nl = buf_.find('\n', pos_ + scan_);
    if (nl == std::string::npos) {
      scan_ = buf_.size() - pos_;
      return std::nullopt;
    }
    std::size_t end = nl;
    if (end > pos_ && buf_[end - 1] == '\r') --end;
    std::string line = buf_.substr(pos_, end - pos_);
    pos_ = nl + 1;
    scan_ = 0;
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
  }
  return std::nullopt;
}

std::optional<std::string> LineDecoder::Finish() {
  if (failed_) return std::nullopt;
  std::string rest = buf_.substr(pos_);
  buf_.clear();
  pos_ = scan_ = 0;
  if (rest.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  return rest;
}

void LineDecoder::Compact() {
  if (pos_ == 0) return;
  buf_.erase(0, pos_);
  pos_ = 0;
  // Give memory back after an unusually large event so the steady state stays small.
  if (buf_.capacity() > 4 * (buf_.size() + 64 * 1024)) buf_.shrink_to_fit();
}

}  // namespace ferry::kube
