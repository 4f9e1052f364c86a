// CachingCredentialsProvider: keeps credentials between calls and refreshes
// temporary ones before they expire (botocore's RefreshableCredentials does
// the same with an "advisory" and a "mandatory" window).
#include "aws/credential_providers.h"

namespace efstop::aws {
namespace {

// After a refresh attempt that left the cached credentials in the refresh
// window (the source failed, or handed back credentials that expire soon),
// wait this long before asking the source again, so a struggling source is
// not hammered by every request.
constexpr std::chrono::seconds kRetryPause{10};

}  // namespace

CachingCredentialsProvider::CachingCredentialsProvider(std::unique_ptr<CredentialsProvider> inner,
                                                       WallClock clock,
                                                       std::chrono::seconds refresh_window)
    : inner_(std::move(inner)), clock_(std::move(clock)), refresh_window_(refresh_window) {}

bool CachingCredentialsProvider::needs_refresh(const Credentials& c,
                                               std::chrono::system_clock::time_point now) const {
  if (!c.expiration) return false;
  if (now >= *c.expiration) return true;
  return now >= *c.expiration - refresh_window_ && now >= retry_not_before_;
}

Result<Credentials> CachingCredentialsProvider::get() {
  std::optional<Credentials> snapshot;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (cached_ && !needs_refresh(*cached_, clock_())) return *cached_;
    snapshot = cached_;
  }
  const bool still_valid = snapshot && (!snapshot->expiration || clock_() < *snapshot->expiration);
  std::unique_lock<std::mutex> refresh_lock(refresh_mutex_, std::defer_lock);
  if (still_valid) {
    // Someone else is refreshing: keep using what still works.
    if (!refresh_lock.try_lock()) return *snapshot;
  } else {
    refresh_lock.lock();
  }
  // Another thread may have refreshed while we waited for the lock.
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (cached_ && !needs_refresh(*cached_, clock_())) return *cached_;
  }
  ++fetch_count_;
  Result<Credentials> fresh = inner_->get();
  const auto now = clock_();
  std::lock_guard<std::mutex> lock(state_mutex_);
  if (!fresh.ok()) {
    if (cached_ && cached_->expiration && now < *cached_->expiration) {
      retry_not_before_ = now + kRetryPause;
      return *cached_;
    }
    return fresh.status();
  }
  cached_ = *fresh;
  if (cached_->expiration && now >= *cached_->expiration - refresh_window_) {
    retry_not_before_ = now + kRetryPause;
  }
  return *cached_;
}

bool CachingCredentialsProvider::invalidate(const Credentials& rejected) {
  // Long-term keys do not expire: asking the source again gives the same.
  if (!rejected.expiration) return false;
  std::lock_guard<std::mutex> lock(state_mutex_);
  // Another thread may have refreshed already: then retrying is enough.
  if (cached_ && cached_->access_key_id == rejected.access_key_id &&
      cached_->session_token == rejected.session_token) {
    cached_.reset();
    retry_not_before_ = {};
  }
  return true;
}

}  // namespace efstop::aws
