// AnalysisRunner: the seam between the Release reconciler and the analysis providers. For a
// RunAnalysis action (actions.h) the reconciler hands the runner the Release and the status the
// decision produced; the runner takes the measurements that are due (Prometheus queries, judged
// canary-vs-stable comparisons, ...), appends them to status.analysisRuns[action.name], and sets
// the run's phase with analysis::DecideRun. The next Decide pass reads that phase.
//
// The reconciler requeues the Release for the returned due time, so a run advances even when no
// watch event arrives. Without a runner (nullptr) the reconciler sets
// Snapshot.analysisAvailable = false and an analysis step stalls with AnalysisUnavailable: it
// never passes silently.
#pragma once

#include <memory>
#include <optional>

#include "operator/api/meta.h"
#include "operator/api/release_types.h"
#include "operator/base/result.h"
#include "operator/controllers/release/actions.h"

namespace ferry::manager {
struct SetupContext;
}

namespace ferry::release {

class AnalysisRunner {
 public:
  virtual ~AnalysisRunner() = default;
  // Takes the due measurements of run `action.name` in `status`, appends them, sets the run's
  // phase (analysis::DecideRun). Returns when the next measurement is due (nullopt once the run
  // concluded). An error (e.g. the run is missing from status) leaves `status` as it was.
  virtual ferry::Result<std::optional<api::Time>> Run(const RunAnalysis& action,
                                                      const api::Release& release,
                                                      api::ReleaseStatus& status,
                                                      api::Time now) = 0;
};

// The runner the operator uses (providers configured from the operator's options and client);
// nullptr when no provider is available. Defined by the analysis runner's implementation file.
std::unique_ptr<AnalysisRunner> MakeAnalysisRunner(manager::SetupContext& ctx);

}  // namespace ferry::release
