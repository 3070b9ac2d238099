// The run variables of a Pipeline (pipeline_types.h, docs/API.md) substituted into a stage's
// image, command, args and env values, and into the hand-off's image, version and env:
//   $(revision) $(run.id) $(run.number) $(source.url) $(source.ref) $(stages.<name>.result)
// Any other $(NAME) (e.g. $(HOME), an env variable of the container) is left alone for
// Kubernetes' own expansion, and so is the Kubernetes escape "$$(...)".
// A reference to a Ferry variable that is unknown, or not available yet (a stage that has not
// succeeded; an empty revision), is an error naming the field, the variable and the fix.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "operator/api/pipeline_types.h"
#include "operator/base/result.h"

namespace ferry::pipeline {

struct RunVariables {
  std::string revision;  // empty: the run builds the head of ref and its commit is not known
  std::string run_id;
  int64_t run_number = 0;
  std::string source_url;
  std::string source_ref;
  // Results of the stages that succeeded in this run (possibly empty strings), by stage name.
  std::map<std::string, std::string> results;
};

// `text` with every Ferry variable replaced. `field` names where `text` came from, for errors
// ("spec.stages[2].args[0]").
Result<std::string> Substitute(std::string_view text, const RunVariables& vars,
                               std::string_view field);

// A copy of `stage` with image, command, args and env[].value substituted; `path` is the stage's
// path ("spec.stages[2]"). Every error at once, joined with "; ".
Result<api::Stage> SubstituteStage(const api::Stage& stage, const RunVariables& vars,
                                   std::string_view path);

// A copy of `handoff` with image, version and env[].value substituted ("spec.handoff...").
Result<api::Handoff> SubstituteHandoff(const api::Handoff& handoff, const RunVariables& vars);

}  // namespace ferry::pipeline
