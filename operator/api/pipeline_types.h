// Pipeline (ferry.dev/v1alpha1): git source -> stages run as batch/v1 Jobs (a dependsOn DAG) ->
// hand-off of the built image to a Release. Field docs live in the CRD
// (crds/ferry.dev_pipelines.yaml, `kubectl explain pipeline.spec`) and docs/API.md.
//
// Variables substituted into stage command/args/env values and the hand-off:
//   $(revision) $(run.id) $(run.number) $(source.url) $(source.ref) $(stages.<name>.result)
// Any other $(NAME) is left for Kubernetes' own expansion of container env variables.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/codec.h"
#include "operator/api/meta.h"
#include "operator/api/release_types.h"

namespace ferry::api {

inline constexpr char kPipelineKind[] = "Pipeline";
inline constexpr char kDefaultGitRef[] = "main";
inline constexpr char kDefaultStageTimeout[] = "30m";
inline constexpr char kDefaultRunTimeout[] = "1h";
inline constexpr char kDefaultWorkingDir[] = "/workspace/source";
inline constexpr char kDefaultHandoffVersion[] = "$(revision)";
inline constexpr char kDefaultWebhookSecretKey[] = "token";
inline constexpr int32_t kMaxStageRetries = 10;
inline constexpr size_t kMaxStages = 50;
inline constexpr size_t kMaxStageNameLength = 40;
// Job names are "<pipeline>-<run number>-<stage>[-r<attempt>]" and must stay within 63
// characters (they become label values): pipeline and stage names share this many.
inline constexpr size_t kMaxPipelineAndStageNameLength = 49;

inline constexpr char kConcurrencyReplace[] = "Replace";
inline constexpr char kConcurrencyQueue[] = "Queue";
inline constexpr char kConcurrencyForbid[] = "Forbid";
inline constexpr char kWebhookGitHub[] = "GitHub";
inline constexpr char kWebhookGitea[] = "Gitea";
inline constexpr char kWebhookGitLab[] = "GitLab";
inline constexpr char kWebhookGeneric[] = "Generic";

// Run and stage phases.
inline constexpr char kPipelineIdle[] = "Idle";
inline constexpr char kRunPending[] = "Pending";
inline constexpr char kRunRunning[] = "Running";
inline constexpr char kRunSucceeded[] = "Succeeded";
inline constexpr char kRunFailed[] = "Failed";
inline constexpr char kRunCancelled[] = "Cancelled";
inline constexpr char kStageSkipped[] = "Skipped";
// Trigger types.
inline constexpr char kTriggerSpec[] = "Spec";
inline constexpr char kTriggerManual[] = "Manual";
inline constexpr char kTriggerWebhook[] = "Webhook";
inline constexpr char kTriggerRetry[] = "Retry";

struct LocalObjectReference {
  std::string name;
  FERRY_API_STRUCT(LocalObjectReference);
  template <class S, class V>
  static void Fields(S& s, V& v) { v("name", s.name); }
};

struct GitSource {
  std::string url;
  std::string ref = kDefaultGitRef;
  std::string revision;  // empty: the head of ref at run time
  std::optional<LocalObjectReference> secretRef;
  FERRY_API_STRUCT(GitSource);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("url", s.url);
    v("ref", s.ref);
    v("revision", s.revision);
    v("secretRef", s.secretRef);
  }
};

struct WebhookTrigger {
  std::string provider = kWebhookGitHub;
  SecretKeyRef secretRef;  // key defaulted to kDefaultWebhookSecretKey
  std::string signatureHeader;  // Generic only: header carrying "sha256=<hex HMAC>"
  FERRY_API_STRUCT(WebhookTrigger);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("provider", s.provider);
    v("secretRef", s.secretRef);
    v("signatureHeader", s.signatureHeader);
  }
};

struct Triggers {
  std::optional<WebhookTrigger> webhook;
  FERRY_API_STRUCT(Triggers);
  template <class S, class V>
  static void Fields(S& s, V& v) { v("webhook", s.webhook); }
};

struct KeySelector {
  std::string name;
  std::string key;
  bool optional = false;
  FERRY_API_STRUCT(KeySelector);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("name", s.name);
    v("key", s.key);
    v("optional", s.optional);
  }
};

struct EnvVarSource {
  std::optional<KeySelector> secretKeyRef;
  std::optional<KeySelector> configMapKeyRef;
  FERRY_API_STRUCT(EnvVarSource);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("secretKeyRef", s.secretKeyRef);
    v("configMapKeyRef", s.configMapKeyRef);
  }
};

struct StageEnvVar {
  std::string name;
  std::string value;
  std::optional<EnvVarSource> valueFrom;
  FERRY_API_STRUCT(StageEnvVar);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("name", s.name);
    v("value", s.value);
    v("valueFrom", s.valueFrom);
  }
};

struct ResourceRequirements {
  std::map<std::string, std::string> requests;
  std::map<std::string, std::string> limits;
  FERRY_API_STRUCT(ResourceRequirements);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("requests", s.requests);
    v("limits", s.limits);
  }
};

struct SecretMount {
  std::string secretName;
  std::string mountPath;
  FERRY_API_STRUCT(SecretMount);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("secretName", s.secretName);
    v("mountPath", s.mountPath);
  }
};

// Labels and annotations added to a stage's Pods (Argo Workflows' podMetadata), e.g.
// sidecar.istio.io/inject: "false" so an injected sidecar does not keep the Job running. Ferry's
// own labels (ferry.dev/*, app.kubernetes.io/managed-by) take precedence.
struct PodMetadata {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  FERRY_API_STRUCT(PodMetadata);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("labels", s.labels);
    v("annotations", s.annotations);
  }
};

struct Stage {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string workingDir = kDefaultWorkingDir;
  std::vector<StageEnvVar> env;
  ResourceRequirements resources;
  std::string timeout = kDefaultStageTimeout;
  int32_t retries = 0;
  std::vector<std::string> dependsOn;
  bool checkout = true;  // clone the revision into /workspace/source before the stage runs
  std::vector<SecretMount> secretMounts;
  PodMetadata podMetadata;
  FERRY_API_STRUCT(Stage);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("name", s.name);
    v("image", s.image);
    v("command", s.command);
    v("args", s.args);
    v("workingDir", s.workingDir);
    v("env", s.env);
    v("resources", s.resources);
    v("timeout", s.timeout);
    v("retries", s.retries);
    v("dependsOn", s.dependsOn);
    v("checkout", s.checkout);
    v("secretMounts", s.secretMounts);
    v("podMetadata", s.podMetadata);
  }
};

struct Handoff {
  LocalObjectReference releaseRef;
  std::string container;  // empty: the Release's only container patch / the target's first
  std::string image;
  std::string version = kDefaultHandoffVersion;
  std::vector<EnvVar> env;
  FERRY_API_STRUCT(Handoff);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("releaseRef", s.releaseRef);
    v("container", s.container);
    v("image", s.image);
    v("version", s.version);
    v("env", s.env);
  }
};

struct PipelineSpec {
  GitSource source;
  Triggers triggers;
  std::vector<Stage> stages;
  std::optional<Handoff> handoff;
  std::string serviceAccountName;
  std::string concurrencyPolicy = kConcurrencyReplace;
  std::string timeout = kDefaultRunTimeout;
  int32_t historyLimit = kDefaultHistoryLimit;
  bool suspend = false;
  FERRY_API_STRUCT(PipelineSpec);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("source", s.source);
    v("triggers", s.triggers);
    v("stages", s.stages);
    v("handoff", s.handoff);
    v("serviceAccountName", s.serviceAccountName);
    v("concurrencyPolicy", s.concurrencyPolicy);
    v("timeout", s.timeout);
    v("historyLimit", s.historyLimit);
    v("suspend", s.suspend);
  }
};

// ---- status ------------------------------------------------------------------------------------

struct RunTrigger {
  std::string type;     // kTriggerSpec, kTriggerManual, kTriggerWebhook, kTriggerRetry
  std::string request;  // the ferry.dev/run (or retry) nonce that started it, if any
  FERRY_API_STRUCT(RunTrigger);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("type", s.type);
    v("request", s.request);
  }
};

struct StageStatus {
  std::string name;
  std::string phase;
  std::string jobName;
  int32_t attempts = 0;
  std::string result;  // the container's termination message, <= 4096 bytes
  std::string message;
  std::optional<Time> startTime;
  std::optional<Time> completionTime;
  std::optional<Time> estimatedCompletionTime;
  FERRY_API_STRUCT(StageStatus);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("name", s.name);
    v("phase", s.phase);
    v("jobName", s.jobName);
    v("attempts", s.attempts);
    v("result", s.result);
    v("message", s.message);
    v("startTime", s.startTime);
    v("completionTime", s.completionTime);
    v("estimatedCompletionTime", s.estimatedCompletionTime);
  }
};

struct HandoffStatus {
  std::string release;
  std::string image;
  std::string version;
  std::string phase;  // kRunSucceeded or kRunFailed
  std::string message;
  std::optional<Time> time;
  FERRY_API_STRUCT(HandoffStatus);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("release", s.release);
    v("image", s.image);
    v("version", s.version);
    v("phase", s.phase);
    v("message", s.message);
    v("time", s.time);
  }
};

struct PipelineRun {
  std::string id;  // "<pipeline>-<number>"
  int64_t number = 0;
  std::string revision;
  std::string ref;
  RunTrigger trigger;
  std::string phase;
  std::string message;
  std::optional<Time> startTime;
  std::optional<Time> completionTime;
  std::optional<Time> estimatedCompletionTime;
  std::vector<StageStatus> stages;
  std::optional<HandoffStatus> handoff;
  FERRY_API_STRUCT(PipelineRun);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("id", s.id);
    v("number", s.number);
    v("revision", s.revision);
    v("ref", s.ref);
    v("trigger", s.trigger);
    v("phase", s.phase);
    v("message", s.message);
    v("startTime", s.startTime);
    v("completionTime", s.completionTime);
    v("estimatedCompletionTime", s.estimatedCompletionTime);
    v("stages", s.stages);
    v("handoff", s.handoff);
  }
};

struct PendingRun {
  std::string revision;
  RunTrigger trigger;
  std::optional<Time> queuedTime;
  FERRY_API_STRUCT(PendingRun);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("revision", s.revision);
    v("trigger", s.trigger);
    v("queuedTime", s.queuedTime);
  }
};

struct StageSummary {
  std::string name;
  std::string phase;
  int64_t durationSeconds = 0;
  FERRY_API_STRUCT(StageSummary);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("name", s.name);
    v("phase", s.phase);
    v("durationSeconds", s.durationSeconds);
  }
};

struct RunSummary {
  std::string id;
  int64_t number = 0;
  std::string revision;
  std::string trigger;
  std::string phase;
  std::string message;
  std::optional<Time> startTime;
  std::optional<Time> completionTime;
  std::vector<StageSummary> stages;
  FERRY_API_STRUCT(RunSummary);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("id", s.id);
    v("number", s.number);
    v("revision", s.revision);
    v("trigger", s.trigger);
    v("phase", s.phase);
    v("message", s.message);
    v("startTime", s.startTime);
    v("completionTime", s.completionTime);
    v("stages", s.stages);
  }
};

struct PipelineRequests {
  std::string run, cancel, retry;
  FERRY_API_STRUCT(PipelineRequests);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("run", s.run);
    v("cancel", s.cancel);
    v("retry", s.retry);
  }
};

struct PipelineStatus {
  int64_t observedGeneration = 0;
  std::string phase;
  std::string message;
  std::vector<Condition> conditions;
  std::string currentStage;  // running stages, comma-separated, for `kubectl get`
  int64_t lastRunNumber = 0;
  std::string lastBuiltRevision;  // spec.source.revision of the last Spec-triggered run
  std::optional<PipelineRun> currentRun;
  std::optional<PendingRun> pendingRun;
  std::vector<RunSummary> history;  // finished runs, newest first, <= spec.historyLimit
  PipelineRequests lastHandledRequests;
  FERRY_API_STRUCT(PipelineStatus);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("observedGeneration", s.observedGeneration);
    v("phase", s.phase);
    v("message", s.message);
    v("conditions", s.conditions);
    v("currentStage", s.currentStage);
    v("lastRunNumber", s.lastRunNumber);
    v("lastBuiltRevision", s.lastBuiltRevision);
    v("currentRun", s.currentRun);
    v("pendingRun", s.pendingRun);
    v("history", s.history);
    v("lastHandledRequests", s.lastHandledRequests);
  }
};

struct Pipeline {
  std::string apiVersion = kApiVersion;
  std::string kind = kPipelineKind;
  ObjectMeta metadata;
  PipelineSpec spec;
  PipelineStatus status;
  FERRY_API_STRUCT(Pipeline);
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("apiVersion", s.apiVersion);
    v("kind", s.kind);
    v("metadata", s.metadata);
    v("spec", s.spec);
    v("status", s.status);
  }
};

// Decodes (every type error with its path) and applies ApplyDefaults.
Result<Pipeline, FieldErrors> DecodePipeline(const Json& j);
Json EncodePipeline(const Pipeline& p);
// {"status": {...}}; see EncodeReleaseStatus.
Json EncodePipelineStatus(const PipelineStatus& s);
// Defaults depending on other fields: triggers.webhook.secretRef.key = "token".
void ApplyDefaults(PipelineSpec& spec);

// Every semantic problem beyond the CRD schema (DAG, names, variables, durations, ...).
FieldErrors ValidatePipeline(const Pipeline& p);
FieldErrors ValidatePipelineSpec(const PipelineSpec& spec, std::string_view pipeline_name = "");

// Stage names in an order where every stage follows its dependsOn (Kahn's algorithm, ties in
// spec order); nullopt when the graph has a cycle or unknown names (ValidatePipelineSpec says which).
std::optional<std::vector<std::string>> TopologicalOrder(const std::vector<Stage>& stages);
// The "$(...)" variable names used in `text`, e.g. {"revision", "stages.build.result"}.
std::vector<std::string> Variables(std::string_view text);

}  // namespace ferry::api
