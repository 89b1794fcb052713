{{/*
Named templates shared by the chart's objects. A template that concerns one role takes a dict:
  ctx:  the root context ($)
  role: api | serve | tuner | feedback
*/}}

{{/* The roles, in the order their objects are rendered. */}}
{{- define "anneal.roles" -}}
api serve tuner feedback
{{- end }}

{{- define "anneal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name, kept to 40 characters so that every name made from it (a role's
Deployment and its pods, the operators' clusters and their generated Secrets) stays within
Kubernetes' limits.
*/}}
{{- define "anneal.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "anneal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "anneal.labels" -}}
helm.sh/chart: {{ include "anneal.chart" . }}
{{ include "anneal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: anneal
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* What selects the release's pods, all roles together. */}}
{{- define "anneal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "anneal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of a role's objects and pods: dict ctx, role. */}}
{{- define "anneal.roleLabels" -}}
{{ include "anneal.labels" .ctx }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{/* What selects one role's pods: dict ctx, role. */}}
{{- define "anneal.roleSelectorLabels" -}}
{{ include "anneal.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "anneal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "anneal.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* A role's image: the global image with the role's overrides. dict ctx, role. */}}
{{- define "anneal.image" -}}
{{- $image := merge (dict) ((index .ctx.Values .role).image | default dict) .ctx.Values.image }}
{{- printf "%s:%s" $image.repository (default .ctx.Chart.AppVersion $image.tag) }}
{{- end }}

{{- define "anneal.imagePullPolicy" -}}
{{- $image := merge (dict) ((index .ctx.Values .role).image | default dict) .ctx.Values.image }}
{{- $image.pullPolicy }}
{{- end }}

{{/* Pod-level security context: never root, a fixed uid, the runtime's default seccomp filter. */}}
{{- define "anneal.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security context: nothing written outside the mounted volumes, no privilege. */}}
{{- define "anneal.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
A generated secret value, kept across upgrades: the value already in the cluster's Secret when
there is one (helm template and a first install find none), else the generated one. Returns the
base64 form that a Secret's data holds. dict ctx, secret (name), key, generated (plain text).
*/}}
{{- define "anneal.keptValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- index $existing.data .key }}
{{- else }}
{{- .generated | b64enc }}
{{- end }}
{{- end }}

{{/* ---- Secrets and where each value comes from ---- */}}

{{- define "anneal.masterKey.secretName" -}}
{{- .Values.masterKey.existingSecret | default (printf "%s-master-key" (include "anneal.fullname" .)) }}
{{- end }}

{{- define "anneal.adminKey.secretName" -}}
{{- .Values.adminKey.existingSecret | default (printf "%s-admin-key" (include "anneal.fullname" .)) }}
{{- end }}

{{- define "anneal.cnpg.clusterName" -}}
{{- .Values.postgresql.cloudnativePg.clusterName | default (printf "%s-pg" (include "anneal.fullname" .)) }}
{{- end }}

{{- define "anneal.db.secretName" -}}
{{- if eq .Values.postgresql.operator "cloudnative-pg" }}
{{- printf "%s-app" (include "anneal.cnpg.clusterName" .) }}
{{- else }}
{{- .Values.postgresql.external.existingSecret | default (printf "%s-db" (include "anneal.fullname" .)) }}
{{- end }}
{{- end }}

{{- define "anneal.db.url" -}}
{{- $pg := .Values.postgresql }}
{{- $url := "" }}
{{- if eq $pg.operator "cloudnative-pg" }}
{{- $url = printf "jdbc:postgresql://%s-rw:5432/%s" (include "anneal.cnpg.clusterName" .) $pg.cloudnativePg.database }}
{{- else }}
{{- $url = printf "jdbc:postgresql://%s:%d/%s" $pg.external.host (int $pg.external.port) $pg.external.database }}
{{- end }}
{{- if $pg.jdbcParameters }}
{{- $url = printf "%s?%s" $url $pg.jdbcParameters }}
{{- end }}
{{- $url }}
{{- end }}

{{- define "anneal.strimzi.clusterName" -}}
{{- .Values.kafka.strimzi.clusterName | default (printf "%s-kafka" (include "anneal.fullname" .)) }}
{{- end }}

{{/* The platform's Kafka principal with Strimzi: the KafkaUser, whose Secret has its name too. */}}
{{- define "anneal.strimzi.userName" -}}
{{- printf "%s-platform" (include "anneal.fullname" .) }}
{{- end }}

{{- define "anneal.kafka.saslEnabled" -}}
{{- if or (eq .Values.kafka.operator "strimzi") (hasPrefix "SASL_" .Values.kafka.external.securityProtocol) }}true{{ end }}
{{- end }}

{{- define "anneal.kafka.secretName" -}}
{{- if eq .Values.kafka.operator "strimzi" }}
{{- include "anneal.strimzi.userName" . }}
{{- else }}
{{- .Values.kafka.external.sasl.existingSecret | default (printf "%s-kafka" (include "anneal.fullname" .)) }}
{{- end }}
{{- end }}

{{/* The Secret holding the brokers' CA, or nothing when the JVM's default trust store does. */}}
{{- define "anneal.kafka.truststoreSecret" -}}
{{- if eq .Values.kafka.operator "strimzi" }}
{{- printf "%s-cluster-ca-cert" (include "anneal.strimzi.clusterName" .) }}
{{- else if .Values.kafka.external.truststore.existingSecret }}
{{- .Values.kafka.external.truststore.existingSecret }}
{{- end }}
{{- end }}

{{- define "anneal.kafka.truststoreKey" -}}
{{- if eq .Values.kafka.operator "strimzi" }}ca.crt{{ else }}{{ .Values.kafka.external.truststore.key }}{{ end }}
{{- end }}

{{- define "anneal.s3.secretName" -}}
{{- if .Values.objectStore.existingSecret }}
{{- .Values.objectStore.existingSecret }}
{{- else if .Values.objectStore.accessKeyId }}
{{- printf "%s-s3" (include "anneal.fullname" .) }}
{{- end }}
{{- end }}

{{- define "anneal.sso.secretName" -}}
{{- .Values.sso.existingSecret | default (printf "%s-sso" (include "anneal.fullname" .)) }}
{{- end }}

{{/* Whether a role mounts the models folder: dict ctx, role. */}}
{{- define "anneal.models.mounted" -}}
{{- if and .ctx.Values.models.volume (has .role .ctx.Values.models.roles) }}true{{ end }}
{{- end }}

{{/* A Kubernetes quantity (16Gi, 500M, 2.5Gi, 1073741824) in bytes. */}}
{{- define "anneal.bytes" -}}
{{- $quantity := toString . }}
{{- $units := dict "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 }}
{{- $unit := regexFind "[A-Za-z]+$" $quantity }}
{{- $number := float64 (trimSuffix $unit $quantity) }}
{{- if $unit }}
{{- int64 (mulf $number (index $units $unit)) }}
{{- else }}
{{- int64 $number }}
{{- end }}
{{- end }}

{{/*
ANNEAL_TUNER_MEMORY, the memory one job may take on a tuner pod: tuner.memory, else four fifths of
the tuner's memory limit (what the platform assumes of a machine), in bytes. Every role gets it:
the api role refuses a job whose estimated peak is beyond it when the job is created, and would
otherwise measure its own, much smaller, pod.
*/}}
{{- define "anneal.tunerMemory" -}}
{{- $tuner := .Values.tuner }}
{{- if $tuner.memory }}
{{- $tuner.memory }}
{{- else if and $tuner.resources $tuner.resources.limits $tuner.resources.limits.memory }}
{{- div (mul (int64 (include "anneal.bytes" $tuner.resources.limits.memory)) 4) 5 }}
{{- end }}
{{- end }}

{{/* ---- Environment ---- */}}

{{/*
The environment the chart sets for a role, as a YAML list: dict ctx, role. Every value is a
string. The settings are those of the README's configuration table.
*/}}
{{- define "anneal.chartEnv" -}}
{{- $ctx := .ctx }}
{{- $v := $ctx.Values }}
{{- $role := .role }}
{{- $rv := index $v $role }}
{{- $fullname := include "anneal.fullname" $ctx }}
- name: ANNEAL_ROLES
  value: {{ $role | quote }}
- name: QUARKUS_HTTP_PORT
  value: {{ $v.http.port | toString | quote }}
- name: ANNEAL_MANAGEMENT_PORT
  value: {{ $v.management.port | toString | quote }}
- name: ANNEAL_MANAGEMENT_HOST
  value: "0.0.0.0"
- name: ANNEAL_DATA_DIR
  value: {{ $v.dataDir.mountPath | quote }}
- name: ANNEAL_LOG_JSON
  value: {{ $v.logJson | toString | quote }}
{{- /* read by the image's launcher, `anneal start`; libtorch's native libraries are unpacked in
     the image (DJL_CACHE_DIR=/opt/anneal/djl), so nothing is extracted at run time */}}
- name: ANNEAL_JAVA_OPTS
  value: {{ $rv.jvm.options | default $v.jvm.options | quote }}
- name: ANNEAL_MASTER_KEY_FILE
  value: {{ printf "/etc/anneal/master-key/%s" $v.masterKey.key | quote }}
- name: ANNEAL_ADMIN_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.adminKey.secretName" $ctx }}
      key: {{ $v.adminKey.key }}
{{- /* PostgreSQL */}}
- name: ANNEAL_DB_URL
  value: {{ include "anneal.db.url" $ctx | quote }}
{{- if eq $v.postgresql.operator "cloudnative-pg" }}
- name: ANNEAL_DB_USER
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.db.secretName" $ctx }}
      key: username
- name: ANNEAL_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.db.secretName" $ctx }}
      key: password
{{- else }}
{{- if and $v.postgresql.external.existingSecret $v.postgresql.external.usernameKey }}
- name: ANNEAL_DB_USER
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.db.secretName" $ctx }}
      key: {{ $v.postgresql.external.usernameKey }}
{{- else }}
- name: ANNEAL_DB_USER
  value: {{ $v.postgresql.external.username | quote }}
{{- end }}
- name: ANNEAL_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.db.secretName" $ctx }}
      key: {{ ternary $v.postgresql.external.passwordKey "password" (not (empty $v.postgresql.external.existingSecret)) }}
{{- end }}
{{- /* Kafka */}}
{{- if eq $v.kafka.operator "strimzi" }}
- name: ANNEAL_KAFKA_BOOTSTRAP_SERVERS
  value: {{ printf "%s-kafka-bootstrap:9093" (include "anneal.strimzi.clusterName" $ctx) | quote }}
- name: ANNEAL_KAFKA_SECURITY_PROTOCOL
  value: SASL_SSL
- name: ANNEAL_KAFKA_SASL_MECHANISM
  value: SCRAM-SHA-512
- name: ANNEAL_KAFKA_SASL_USERNAME
  value: {{ include "anneal.strimzi.userName" $ctx | quote }}
- name: ANNEAL_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.kafka.secretName" $ctx }}
      key: password
- name: ANNEAL_KAFKA_SSL_TRUSTSTORE_LOCATION
  value: /etc/anneal/kafka-truststore/ca.crt
- name: ANNEAL_KAFKA_SSL_TRUSTSTORE_TYPE
  value: PEM
{{- /* the KafkaTopics own the platform's topics: it only reports those missing */}}
- name: ANNEAL_KAFKA_CREATE_TOPICS
  value: "false"
{{- else }}
{{- $ext := $v.kafka.external }}
- name: ANNEAL_KAFKA_BOOTSTRAP_SERVERS
  value: {{ $ext.bootstrapServers | quote }}
- name: ANNEAL_KAFKA_SECURITY_PROTOCOL
  value: {{ $ext.securityProtocol | quote }}
{{- if include "anneal.kafka.saslEnabled" $ctx }}
- name: ANNEAL_KAFKA_SASL_MECHANISM
  value: {{ $ext.sasl.mechanism | quote }}
- name: ANNEAL_KAFKA_SASL_USERNAME
  value: {{ $ext.sasl.username | quote }}
- name: ANNEAL_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.kafka.secretName" $ctx }}
      key: {{ ternary $ext.sasl.passwordKey "password" (not (empty $ext.sasl.existingSecret)) }}
{{- end }}
{{- if $ext.truststore.existingSecret }}
- name: ANNEAL_KAFKA_SSL_TRUSTSTORE_LOCATION
  value: {{ printf "/etc/anneal/kafka-truststore/%s" $ext.truststore.key | quote }}
- name: ANNEAL_KAFKA_SSL_TRUSTSTORE_TYPE
  value: {{ $ext.truststore.type | quote }}
{{- if $ext.truststore.passwordKey }}
- name: ANNEAL_KAFKA_SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $ext.truststore.existingSecret }}
      key: {{ $ext.truststore.passwordKey }}
{{- end }}
{{- end }}
- name: ANNEAL_KAFKA_CREATE_TOPICS
  value: "true"
{{- end }}
- name: ANNEAL_KAFKA_PARTITIONS
  value: {{ $v.kafka.topics.partitions | toString | quote }}
- name: ANNEAL_KAFKA_REPLICATION_FACTOR
  value: {{ $v.kafka.topics.replicationFactor | toString | quote }}
- name: ANNEAL_KAFKA_RETENTION
  value: {{ printf "%dh" (int64 $v.kafka.topics.retentionHours) | quote }}
{{- /* Object store */}}
{{- $s3 := $v.objectStore }}
- name: ANNEAL_BLOB_STORE
  value: s3
{{- if $s3.endpoint }}
- name: ANNEAL_S3_ENDPOINT
  value: {{ $s3.endpoint | quote }}
{{- end }}
- name: ANNEAL_S3_BUCKET
  value: {{ $s3.bucket | quote }}
- name: ANNEAL_S3_REGION
  value: {{ $s3.region | quote }}
- name: ANNEAL_S3_PATH_STYLE
  value: {{ $s3.pathStyle | toString | quote }}
{{- if $s3.prefix }}
- name: ANNEAL_S3_PREFIX
  value: {{ $s3.prefix | quote }}
{{- end }}
{{- with include "anneal.s3.secretName" $ctx }}
- name: ANNEAL_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s3.accessKeyIdKey }}
- name: ANNEAL_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s3.secretAccessKeyKey }}
{{- end }}
{{- with include "anneal.tunerMemory" $ctx }}
- name: ANNEAL_TUNER_MEMORY
  value: {{ . | quote }}
{{- end }}
{{- /* Base models */}}
- name: ANNEAL_MODELS_BUILTIN
  value: {{ $v.models.builtin | toString | quote }}
{{- if include "anneal.models.mounted" . }}
- name: ANNEAL_MODELS_DIR
  value: {{ $v.models.mountPath | quote }}
{{- end }}
{{- /* Behind a proxy: the client's address from X-Forwarded-For, from trusted proxies only */}}
{{- if and $v.http.trustedProxies (has $role (list "api" "serve")) }}
- name: QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING
  value: "true"
- name: QUARKUS_HTTP_PROXY_ALLOW_X_FORWARDED
  value: "true"
- name: QUARKUS_HTTP_PROXY_TRUSTED_PROXIES
  value: {{ join "," $v.http.trustedProxies | quote }}
{{- end }}
{{- /* The role's own settings */}}
{{- if eq $role "api" }}
{{- if $v.serve.enabled }}
- name: ANNEAL_SERVE_URL
  value: {{ printf "http://%s-serve:%d" $fullname (int $v.http.port) | quote }}
{{- end }}
{{- if $v.sso.enabled }}
- name: ANNEAL_OIDC_AUTH_SERVER_URL
  value: {{ $v.sso.issuerUrl | quote }}
- name: ANNEAL_OIDC_CLIENT_ID
  value: {{ $v.sso.clientId | quote }}
- name: ANNEAL_OIDC_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "anneal.sso.secretName" $ctx }}
      key: {{ ternary $v.sso.clientSecretKey "client-secret" (not (empty $v.sso.existingSecret)) }}
- name: ANNEAL_OIDC_TENANT_CLAIM
  value: {{ $v.sso.tenantClaim | quote }}
- name: ANNEAL_OIDC_ADMIN_CLAIM
  value: {{ $v.sso.adminClaim | quote }}
- name: ANNEAL_OIDC_ADMIN_VALUE
  value: {{ $v.sso.adminValue | quote }}
{{- end }}
{{- else if eq $role "serve" }}
{{- with $rv.models }}
- name: ANNEAL_SERVE_MODELS
  value: {{ join "," . | quote }}
{{- end }}
- name: ANNEAL_SERVE_MAX_ADAPTERS
  value: {{ $rv.maxAdapters | toString | quote }}
- name: ANNEAL_SERVE_KV_CACHE
  value: {{ $rv.kvCache | toString | quote }}
{{- else if eq $role "tuner" }}
- name: ANNEAL_TUNER_CONCURRENCY
  value: {{ $rv.concurrency | toString | quote }}
{{- if gt (int $rv.threads) 0 }}
- name: ANNEAL_TUNER_THREADS
  value: {{ $rv.threads | toString | quote }}
{{- end }}
- name: ANNEAL_TUNER_WORK_DIR
  value: {{ printf "%s/work" $v.dataDir.mountPath | quote }}
{{- end }}
{{- end }}

{{/*
A role's environment: the chart's, then the global extraEnv, then the role's; a later entry
replaces an earlier one of the same name in place, so that no name appears twice (a duplicate
breaks kubectl's merge patches). dict ctx, role.
*/}}
{{- define "anneal.env" -}}
{{- $all := concat (include "anneal.chartEnv" . | fromYamlArray) (.ctx.Values.extraEnv | default list) ((index .ctx.Values .role).extraEnv | default list) }}
{{- $byName := dict }}
{{- $order := list }}
{{- range $all }}
{{- if not (hasKey $byName .name) }}
{{- $order = append $order .name }}
{{- end }}
{{- $_ := set $byName .name . }}
{{- end }}
{{- $env := list }}
{{- range $order }}
{{- $env = append $env (get $byName .) }}
{{- end }}
{{- toYaml $env }}
{{- end }}

{{/* ---- Pods ---- */}}

{{/* A role's resources: its values, plus its GPUs as a limit (and so a request). dict ctx, role. */}}
{{- define "anneal.resources" -}}
{{- $rv := index .ctx.Values .role }}
{{- $resources := deepCopy ($rv.resources | default dict) }}
{{- if and $rv.gpu (gt (int $rv.gpu.count) 0) }}
{{- $limits := $resources.limits | default dict }}
{{- $_ := set $limits $rv.gpu.resourceName (int $rv.gpu.count) }}
{{- $_ := set $resources "limits" $limits }}
{{- end }}
{{- toYaml $resources }}
{{- end }}

{{/* A role's tolerations: its values, plus its GPU resource's taint when it asks for GPUs. */}}
{{- define "anneal.tolerations" -}}
{{- $rv := index .ctx.Values .role }}
{{- $tolerations := $rv.tolerations | default list }}
{{- if and $rv.gpu (gt (int $rv.gpu.count) 0) }}
{{- $tolerations = append $tolerations (dict "key" $rv.gpu.resourceName "operator" "Exists" "effect" "NoSchedule") }}
{{- end }}
{{- with $tolerations }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{- define "anneal.probe" -}}
httpGet:
  path: {{ .path }}
  port: management
periodSeconds: {{ .period }}
timeoutSeconds: 5
failureThreshold: {{ .failures }}
{{- end }}

{{/*
The pod template of a role's Deployment, the same for the four roles: dict ctx, role. What differs
between roles comes from the role's values and from anneal.chartEnv.
*/}}
{{- define "anneal.podTemplate" -}}
{{- $ctx := .ctx }}
{{- $v := $ctx.Values }}
{{- $role := .role }}
{{- $rv := index $v $role }}
{{- $truststore := include "anneal.kafka.truststoreSecret" $ctx -}}
metadata:
  labels:
    {{- include "anneal.roleLabels" . | nindent 4 }}
    {{- with $v.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with (merge (dict) ($rv.podAnnotations | default dict) $v.podAnnotations) }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "anneal.serviceAccountName" $ctx }}
  automountServiceAccountToken: {{ $v.serviceAccount.automountToken }}
  enableServiceLinks: false
  {{- with $v.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $rv.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ $rv.terminationGracePeriodSeconds }}
  securityContext:
    {{- include "anneal.podSecurityContext" $ctx | nindent 4 }}
  {{- with $rv.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with include "anneal.tolerations" . }}
  tolerations:
    {{- . | nindent 4 }}
  {{- end }}
  {{- with $rv.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $rv.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: anneal
      image: {{ include "anneal.image" . | quote }}
      imagePullPolicy: {{ include "anneal.imagePullPolicy" . }}
      env:
        {{- include "anneal.env" . | nindent 8 }}
      {{- with $v.extraEnvFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: http
          containerPort: {{ $v.http.port }}
          protocol: TCP
        - name: management
          containerPort: {{ $v.management.port }}
          protocol: TCP
      startupProbe:
        {{- include "anneal.probe" (dict "path" "/q/health/live" "period" 5 "failures" $rv.startupProbe.failureThreshold) | nindent 8 }}
      livenessProbe:
        {{- include "anneal.probe" (dict "path" "/q/health/live" "period" 10 "failures" 3) | nindent 8 }}
      readinessProbe:
        {{- include "anneal.probe" (dict "path" "/q/health/ready" "period" 10 "failures" 3) | nindent 8 }}
      resources:
        {{- include "anneal.resources" . | nindent 8 }}
      securityContext:
        {{- include "anneal.containerSecurityContext" $ctx | nindent 8 }}
      volumeMounts:
        - name: data
          mountPath: {{ $v.dataDir.mountPath }}
        - name: tmp
          mountPath: /tmp
        - name: master-key
          mountPath: /etc/anneal/master-key
          readOnly: true
        {{- if $truststore }}
        - name: kafka-truststore
          mountPath: /etc/anneal/kafka-truststore
          readOnly: true
        {{- end }}
        {{- if eq $role "tuner" }}
        - name: work
          mountPath: {{ printf "%s/work" $v.dataDir.mountPath }}
        {{- end }}
        {{- if include "anneal.models.mounted" . }}
        - name: models
          mountPath: {{ $v.models.mountPath }}
          readOnly: true
        {{- end }}
  volumes:
    - name: data
      emptyDir:
        sizeLimit: {{ $v.dataDir.sizeLimit }}
    - name: tmp
      emptyDir:
        sizeLimit: {{ $v.tmpDir.sizeLimit }}
    - name: master-key
      secret:
        secretName: {{ include "anneal.masterKey.secretName" $ctx }}
        # 0440: readable by the pod's group (fsGroup), written by no one
        defaultMode: 288
        items:
          - key: {{ $v.masterKey.key }}
            path: {{ $v.masterKey.key }}
    {{- if $truststore }}
    - name: kafka-truststore
      secret:
        secretName: {{ $truststore }}
        defaultMode: 288
        items:
          - key: {{ include "anneal.kafka.truststoreKey" $ctx }}
            path: {{ include "anneal.kafka.truststoreKey" $ctx }}
    {{- end }}
    {{- if eq $role "tuner" }}
    - name: work
      {{- if $rv.workDir.ephemeral.enabled }}
      ephemeral:
        volumeClaimTemplate:
          metadata:
            labels:
              {{- include "anneal.roleSelectorLabels" . | nindent 14 }}
          spec:
            accessModes:
              - ReadWriteOnce
            {{- with $rv.workDir.ephemeral.storageClassName }}
            storageClassName: {{ . }}
            {{- end }}
            resources:
              requests:
                storage: {{ $rv.workDir.ephemeral.size }}
      {{- else }}
      emptyDir:
        {{- with $rv.workDir.medium }}
        medium: {{ . }}
        {{- end }}
        sizeLimit: {{ $rv.workDir.sizeLimit }}
      {{- end }}
    {{- end }}
    {{- if include "anneal.models.mounted" . }}
    - name: models
      {{- toYaml $v.models.volume | nindent 6 }}
    {{- end }}
{{- end }}
