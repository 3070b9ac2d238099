{{/*
Chart name, truncated to the 63 characters a label value may hold.
*/}}
{{- define "ferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified name of the installation: the release name when it already contains the chart
name (`helm install ferry`), otherwise "<release>-<chart>". Objects add suffixes to it.
*/}}
{{- define "ferry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"name-version" for the helm.sh/chart label.
*/}}
{{- define "ferry.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels that select the operator's pods. Never change them: Deployment selectors are immutable.
*/}}
{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Standard labels (app.kubernetes.io/*). Call with (dict "ctx" $ "component" "operator").
*/}}
{{- define "ferry.labels" -}}
{{ include "ferry.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: ferry
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "ferry.chart" .ctx }}
{{- end }}

{{- define "ferry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ferry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ferry.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Namespace of the leader-election Lease.
*/}}
{{- define "ferry.leaderElectionNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{- define "ferry.metricsServiceName" -}}
{{- printf "%s-metrics" (include "ferry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
A YAML file shipped under files/ (links to config/), parsed; fails loudly if it is missing or
unparsable, which happens only when the chart was copied without following its symlinks.
*/}}
{{- define "ferry.file" -}}
{{- $raw := .ctx.Files.Get .path }}
{{- if not $raw }}
{{- fail (printf "%s is missing from the chart: package it with `helm package`, which follows the symlinks into config/" .path) }}
{{- end }}
{{- $raw }}
{{- end }}

{{/*
Cross-value checks the JSON schema cannot express.
*/}}
{{- define "ferry.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: replicas without a lease would reconcile the same objects at once" }}
{{- end }}
{{- if eq (int .Values.metrics.port) (int .Values.health.port) }}
{{- fail "metrics.port and health.port must differ" }}
{{- end }}
{{- if or (eq (int .Values.webhook.port) (int .Values.metrics.port)) (eq (int .Values.webhook.port) (int .Values.health.port)) }}
{{- fail "webhook.port must differ from metrics.port and health.port" }}
{{- end }}
{{- end }}
