#!/usr/bin/env bash
# Prepares a kind cluster for the workshop: the cluster, the mock-vllm image loaded into it,
# the Gateway API CRDs, agentgateway (CRDs and control plane, with helm), and the Gateway.
# The workshop's own resources are left to its steps (the conformance suite, or
# `kubectl apply -f kind/manifests/`).
#
# Settings (environment):
#   KIND_CLUSTER_NAME         vllm-gateway
#   CONFORMANCE_NAMESPACE     enterprise-agentgateway
#   CONFORMANCE_GATEWAY_NAME  agentgateway
#   CONFORMANCE_MOCK_IMAGE    mock-vllm:dev
#   GATEWAY_API_VERSION       v1.3.0
#   AGENTGATEWAY_VERSION      the charts' latest when unset
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cluster="${KIND_CLUSTER_NAME:-vllm-gateway}"
namespace="${CONFORMANCE_NAMESPACE:-enterprise-agentgateway}"
gateway="${CONFORMANCE_GATEWAY_NAME:-agentgateway}"
image="${CONFORMANCE_MOCK_IMAGE:-mock-vllm:dev}"
gateway_api="${GATEWAY_API_VERSION:-v1.3.0}"
version_flag=()
if [ -n "${AGENTGATEWAY_VERSION:-}" ]; then
  version_flag=(--version "$AGENTGATEWAY_VERSION")
fi

for tool in kind kubectl helm docker; do
  command -v "$tool" >/dev/null || { echo "setup.sh needs $tool on PATH" >&2; exit 1; }
done

step() { printf '\n== %s\n' "$*"; }

step "kind cluster $cluster"
if kind get clusters | grep -qx "$cluster"; then
  echo "exists"
else
  kind create cluster --name "$cluster" --config "$root/kind/cluster.yaml" --wait 120s
fi
kubectl config use-context "kind-$cluster" >/dev/null

step "mock-vllm image $image"
# Built in a Rust builder for this Docker daemon's architecture, then FROM scratch.
docker build --tag "$image" --file "$root/mock-server/Dockerfile" "$root"
kind load docker-image "$image" --name "$cluster"

step "Gateway API CRDs $gateway_api"
kubectl apply --server-side -f \
  "https://github.com/kubernetes-sigs/gateway-api/releases/download/$gateway_api/standard-install.yaml"

step "agentgateway"
helm upgrade -i agentgateway-crds oci://cr.agentgateway.dev/agentgateway/charts/agentgateway-crds \
  --create-namespace --namespace agentgateway-system "${version_flag[@]}"
helm upgrade -i agentgateway oci://cr.agentgateway.dev/agentgateway/charts/agentgateway \
  --namespace agentgateway-system "${version_flag[@]}" --wait --timeout 5m

step "namespace $namespace and Gateway $gateway"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
sed -e "s/namespace: enterprise-agentgateway/namespace: $namespace/" \
    -e "s/name: agentgateway$/name: $gateway/" "$root/kind/gateway.yaml" | kubectl apply -f -
kubectl wait --for=condition=Programmed "gateway/$gateway" -n "$namespace" --timeout=180s

step "expose the Gateway on localhost:8080"
# kind maps NodePort 30080 to localhost:8080. If the controller resets the Service, the suite
# falls back to a port-forward to the Gateway's pod.
if ! kubectl -n "$namespace" patch service "$gateway" --type=json -p \
  '[{"op":"replace","path":"/spec/type","value":"NodePort"},{"op":"add","path":"/spec/ports/0/nodePort","value":30080}]'; then
  echo "could not expose the Gateway on NodePort 30080; the suite will port-forward" >&2
fi

step "ready"
echo "run the suite:  CONFORMANCE_TARGET=kind cargo test -p conformance --test conformance"
