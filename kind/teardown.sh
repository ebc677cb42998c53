#!/usr/bin/env bash
# Deletes the kind cluster setup.sh created.
set -euo pipefail
kind delete cluster --name "${KIND_CLUSTER_NAME:-vllm-gateway}"
